"""Flux's own source-, kustomize- and notification-controller: pinned versions, built from their Go modules."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from reflow.dev.gobuild import BuildOutcome, component_folder, ensure, go_command
from reflow.dev.versions import Component

FLUX_CONTROLLER_VERSION = "v1.9.4"
NOTIFICATION_CONTROLLER_VERSION = "v1.9.3"
"""notification-controller's release in Flux 2.9, the one the source and kustomize controllers above ship with."""

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

NOTIFICATION_CONTROLLER = Component(
    name="notification-controller",
    module="github.com/fluxcd/notification-controller",
    version=NOTIFICATION_CONTROLLER_VERSION,
    packages={"notification-controller": "github.com/fluxcd/notification-controller"},
    wrapper=True,
)

FLUX_COMPONENTS: tuple[Component, ...] = (SOURCE_CONTROLLER, KUSTOMIZE_CONTROLLER, NOTIFICATION_CONTROLLER)
FLUX_CONTROLLERS: dict[str, Component] = {
    "source": SOURCE_CONTROLLER,
    "kustomize": KUSTOMIZE_CONTROLLER,
    "notification": NOTIFICATION_CONTROLLER,
}
"""Flux's controllers by the short name a scenario asks for (as in `reflow controllers --controllers`)."""


def flux_binary(component: Component) -> Path:
    """The cached binary of one of Flux's controllers."""
    return component_folder(component) / component.name


def ensure_flux(progress: bool = True) -> list[BuildOutcome]:
    """Build Flux's controllers unless cached (about 11 minutes cold on 2 cores)."""

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
