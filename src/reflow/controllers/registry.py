"""Which controllers reflow has, by Flux's names, and how each one is set up in a manager."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reflow.controllers.helm.watches import setup as setup_helm
from reflow.controllers.image.watches import setup_automation, setup_reflector
from reflow.controllers.kustomize.watches import setup as setup_kustomize
from reflow.controllers.notification.watches import setup as setup_notification
from reflow.controllers.options import ControllerOptions
from reflow.controllers.source.watches import setup as setup_source
from reflow.controllers.sourcewatcher.watches import setup as setup_source_watcher
from reflow.kube.client import Kube
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

Setup = Callable[[Manager, Kube, RuntimeSettings, ControllerOptions], None]
"""Adds a controller's reconcilers, watches and services to a manager."""

ORDER = (
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "source-watcher",
)
"""Flux's controller names, in the order a manager starts them."""


class UnknownController(ValueError):
    """A controller name reflow does not know or does not have yet."""


_SETUPS: dict[str, Setup] = {
    "source-controller": setup_source,
    "kustomize-controller": setup_kustomize,
    "source-watcher": setup_source_watcher,
    "notification-controller": setup_notification,
    "helm-controller": setup_helm,
    "image-reflector-controller": setup_reflector,
    "image-automation-controller": setup_automation,
}
"""The controllers reflow has so far."""


def available() -> list[str]:
    """The controllers reflow can run now, in start order."""
    return [name for name in ORDER if name in _SETUPS]


def resolve(names: Iterable[str]) -> list[str]:
    """Full controller names for `source`, `source-controller`, …; raises UnknownController naming the bad one."""
    resolved: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        full = name if name.endswith("-controller") or name == "source-watcher" else f"{name}-controller"
        if full not in ORDER:
            raise UnknownController(f"unknown controller {name!r}; Flux's controllers are {', '.join(ORDER)}")
        if full not in _SETUPS:
            raise UnknownController(f"reflow has no {full} yet; available: {', '.join(available()) or 'none'}")
        if full not in resolved:
            resolved.append(full)
    return sorted(resolved, key=ORDER.index)


def setup(name: str) -> Setup:
    """The setup function of a resolved controller name."""
    return _SETUPS[name]
