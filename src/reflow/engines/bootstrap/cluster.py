"""What bootstrap does to a cluster that may already sync itself: install the components or leave them to
the cluster's own Kustomization, and never point an existing sync at another path."""

from __future__ import annotations

import posixpath

from reflow.api.meta import Manifest


class SyncPathConflict(ValueError):
    """The cluster already syncs from another path of the repository; bootstrap would take that away."""


def must_install(live: Manifest | None) -> bool:
    """Whether bootstrap applies the components itself: yes until the sync Kustomization has applied a
    revision; from then on the components are the Kustomization's, and a commit upgrades them."""
    return live is None or not (live.get("status") or {}).get("lastAppliedRevision")


def check_sync_path(live: Manifest | None, wanted: str) -> None:
    """Refuse when the live sync Kustomization reads another folder than `wanted` (`./clusters/prod`)."""
    if live is None:
        return
    current = str((live.get("spec") or {}).get("path") or "./")
    if posixpath.normpath(current) != posixpath.normpath(wanted):
        raise SyncPathConflict(
            f"sync path configuration ({wanted!r}) would overwrite path ({current!r}) of the existing "
            f"Kustomization {live['metadata'].get('namespace')}/{live['metadata']['name']}"
        )
