"""Flux's own source- and kustomize-controller: pinned versions, built from their Go modules into the cache."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from reflow.dev.gobuild import BuildOutcome, component_folder, ensure, go_command
from reflow.dev.versions import Component

FLUX_CONTROLLER_VERSION = "v1.9.4"

SOURCE_CONTROLLER = Component(
    name="source-controller",
    module="github.com/fluxcd/source-controller",
    version=FLUX_CONTROLLER_VERSION,
    packages={"source-controller": "github.com/fluxcd/source-controller"},
    wrapper=True,
    replaces=("github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.0",),
)
"""`fluxcd/pkg/artifact` v0.18.2 is not served by the proxy; v0.18.0 builds and behaves the same here."""

KUSTOMIZE_CONTROLLER = Component(
    name="kustomize-controller",
    module="github.com/fluxcd/kustomize-controller",
    version=FLUX_CONTROLLER_VERSION,
    packages={"kustomize-controller": "github.com/fluxcd/kustomize-controller"},
    wrapper=True,
)

FLUX_COMPONENTS: tuple[Component, ...] = (SOURCE_CONTROLLER, KUSTOMIZE_CONTROLLER)


def flux_binary(component: Component) -> Path:
    """The cached binary of one of Flux's controllers."""
    return component_folder(component) / component.name


def ensure_flux(progress: bool = True) -> list[BuildOutcome]:
    """Build Flux's controllers unless cached (about 8 minutes cold on 2 cores)."""

    def report(component: Component, step: str) -> None:
        if progress:
            print(f"  {component.key}: {step}", flush=True)

    return [ensure(component, report) for component in FLUX_COMPONENTS]


def crd_folder(component: Component) -> Path:
    """`config/crd/bases/` of the controller's module in the Go module cache (downloaded if missing)."""
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    result = subprocess.run(
        [go_command(), "mod", "download", "-json", f"{component.module}@{component.version}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd="/",
    )
    return Path(json.loads(result.stdout)["Dir"]) / "config" / "crd" / "bases"


def crd_files(component: Component) -> list[Path]:
    """The controller's CRD manifests, sorted by name."""
    return sorted(crd_folder(component).glob("*.yaml"))
