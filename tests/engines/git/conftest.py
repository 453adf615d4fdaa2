"""Fixtures for the git engine tests: a directory of wrapper scripts first on PATH."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def wrappers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory put first on PATH for the test's wrapper scripts (see `wrap_program`)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    return directory
