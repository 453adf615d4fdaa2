"""The build tests' testdata, and the build spec of a Flux Kustomization written in it."""

from __future__ import annotations

from pathlib import Path

import yaml

from reflow.api.kustomize import Kustomization
from reflow.api.wire import parse
from reflow.engines.build import BuildSpec

TESTDATA = Path(__file__).parent / "testdata"
FLUX = TESTDATA / "flux-pkg"


def flux_spec(file: Path) -> BuildSpec:
    """The build fields of the first Flux Kustomization in a YAML file."""
    document = next(doc for doc in yaml.safe_load_all(file.read_text()) if doc)
    return BuildSpec.of(parse(Kustomization, document).spec)
