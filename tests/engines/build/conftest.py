"""Fixtures for build tests: one sandboxed kustomize builder, and testdata trees copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reflow.api.kustomize import Kustomization
from reflow.api.wire import parse
from reflow.engines.build import BuildSpec, KustomizeBuilder

TESTDATA = Path(__file__).parent / "testdata"
FLUX = TESTDATA / "flux-pkg"


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


def flux_spec(file: Path) -> BuildSpec:
    """The build fields of the first Flux Kustomization in a YAML file."""
    document = next(doc for doc in yaml.safe_load_all(file.read_text()) if doc)
    return BuildSpec.of(parse(Kustomization, document).spec)
