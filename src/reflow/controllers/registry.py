"""Which controllers reflow has, by Flux's names, and how each one is set up in a manager."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reflow.kube.client import Kube
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class ControllerOptions:
    """The flags of `reflow controllers` that belong to one controller or another."""

    storage_path: Path = field(default_factory=lambda: Path("/data"))
    """Where the source controller keeps artifacts (`--storage-path`)."""
    storage_addr: str = ":9090"
    """Where the artifact server listens (`--storage-addr`)."""
    storage_adv_addr: str | None = None
    """The host:port put into artifact URLs (`--storage-adv-addr`); None: derived from `storage_addr`."""
    artifact_retention_ttl: float = 60.0
    """Seconds an older artifact is kept after a newer one appears (`--artifact-retention-ttl`)."""
    artifact_retention_records: int = 2
    """How many artifacts per object are kept at most (`--artifact-retention-records`)."""
    default_concurrency: dict[str, int] = field(default_factory=dict)
    """`--concurrent` when it was given; otherwise each controller uses Flux's default for it."""


Setup = Callable[[Manager, Kube, RuntimeSettings, ControllerOptions], None]
"""Adds a controller's reconcilers, watches and services to a manager."""

_SETUPS: dict[str, Setup] = {}
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


def register(name: str, setup: Setup) -> None:
    """Make a controller available under its Flux name (`source-controller`)."""
    if name not in ORDER:
        raise UnknownController(f"{name!r} is not one of Flux's controllers")
    _SETUPS[name] = setup


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
