"""Where a HelmRelease's release lives, and whether it moved: Flux uninstalls a release from its old place and
installs it afresh when its name, namespace, storage namespace or (unless `InPlaceUpdate`) chart name changes."""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.helm import HelmRelease
from reflow.engines.helm.names import release_name


@dataclass(frozen=True, slots=True)
class Place:
    """A release's name, the namespace it installs into, and the namespace of its records (Helm's storage)."""

    release: str
    namespace: str
    storage: str


def place_of(hr: HelmRelease) -> Place:
    """Where the spec puts the release: the target namespace and the storage namespace both default to the
    HelmRelease's own namespace, as in Flux."""
    namespace = hr.metadata.namespace or "default"
    return Place(
        release=release_name(hr.metadata.name, hr.spec.target_namespace, hr.spec.release_name),
        namespace=hr.spec.target_namespace or namespace,
        storage=hr.spec.storage_namespace or namespace,
    )


def recorded_place(hr: HelmRelease) -> Place | None:
    """Where the release this HelmRelease made last lives, as its status records; None before the first."""
    current = hr.status.history[0] if hr.status.history else None
    if not hr.status.storage_namespace or current is None:
        return None
    return Place(release=current.name, namespace=current.namespace, storage=hr.status.storage_namespace)


def moved_from(hr: HelmRelease, desired: Place, chart_name: str) -> tuple[Place, str] | None:
    """The place of the release this HelmRelease made last and why it is no longer the desired one; None when
    it is (or nothing was released yet)."""
    old = recorded_place(hr)
    if old is None:
        return None
    upgrade = hr.spec.upgrade
    in_place = upgrade is not None and upgrade.chart_name_change_strategy == "InPlaceUpdate"
    if old.storage != desired.storage:
        why = f"storage namespace changed from '{old.storage}' to '{desired.storage}'"
    elif old.namespace != desired.namespace:
        why = f"target namespace changed from '{old.namespace}' to '{desired.namespace}'"
    elif old.release != desired.release:
        why = f"release name changed from '{old.release}' to '{desired.release}'"
    elif hr.status.history[0].chart_name != chart_name and not in_place:
        why = f"chart name changed from '{hr.status.history[0].chart_name}' to '{chart_name}'"
    else:
        return None
    return old, why
