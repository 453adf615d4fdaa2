"""Fixtures for build tests: one sandboxed kustomize builder, and testdata trees copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.engines.build import KustomizeBuilder


@pytest.fixture(scope="session")
def builder() -> KustomizeBuilder:
    """kubectl kustomize under bubblewrap; a missing bubblewrap fails the tests rather than skipping them."""
    return KustomizeBuilder()


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a testdata folder into a fresh directory and return the copy."""

    def copy(source: Path) -> Path:
        target = tmp_path / "tree"
        shutil.copytree(source, target, dirs_exist_ok=True)
        return target

    return copy
