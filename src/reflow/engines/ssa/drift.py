"""Drift: whether applying would change a live object, judged from the server-side dry-run's answer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from reflow.api.meta import Manifest

from .ignore import Pointer, removed

# Metadata the API server owns; it differs between a live object and a dry-run without any drift.
SERVER_METADATA = frozenset(
    {"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink", "deletionTimestamp"}
)


def exists(dry_run: Manifest) -> bool:
    """Whether the dry-run patched an existing object (it has a resourceVersion) rather than creating one."""
    return bool((dry_run.get("metadata") or {}).get("resourceVersion"))


def drifted(live: Manifest | None, dry_run: Manifest, ignored: Sequence[Pointer] = ()) -> bool:
    """Whether applying would change the live object, as Flux decides.

    A dry-run of an object that does not exist yet always drifts. Otherwise labels, annotations and
    every top-level field but `metadata` and `status` are compared; what the API server owns
    (managedFields, resourceVersion, generation, uid, creationTimestamp, status) never counts, nor do
    the `ignored` fields (drift ignore rules), left out of both sides.
    """
    if live is None or not exists(dry_run):
        return True
    if ignored:
        live, dry_run = removed(live, ignored), removed(dry_run, ignored)
    return compared(live) != compared(dry_run)


def compared(obj: Manifest) -> Manifest:
    """What drift detection compares of an object: its labels, annotations and every top-level field but
    `metadata` and `status`."""
    metadata = obj.get("metadata") or {}
    body = {key: value for key, value in obj.items() if key not in ("metadata", "status")}
    return {"labels": metadata.get("labels") or {}, "annotations": metadata.get("annotations") or {}, "body": body}


def stamped_time(dry_run: Manifest, field_manager: str) -> datetime | None:
    """When the field manager's Apply entry was last stamped, as the dry-run's managedFields say."""
    for entry in (dry_run.get("metadata") or {}).get("managedFields") or []:
        if entry.get("manager") == field_manager and entry.get("operation") == "Apply" and not entry.get("subresource"):
            stamp = entry.get("time")
            try:
                return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None
            except ValueError:
                return None
    return None


def maybe_changed(dry_run: Manifest, *, field_manager: str, answered_at: datetime | None, took: float) -> bool:
    """Whether the dry-run might change the live object; False means it certainly leaves it as it is.

    The API server stamps the applier's managedFields entry with its clock whenever an apply changes
    the object, and leaves the entry untouched (the answer then equals the live object) when it does
    not. So a stamp older than this request proves that nothing would change, without reading the
    live object. The request ran within `took` seconds before `answered_at` (the server's Date
    header); both clocks count whole seconds, hence the extra second. A missing entry, stamp or date,
    or a stamp inside that window, means "maybe": the caller then compares with the live object.
    """
    if not exists(dry_run):
        return True
    stamp = stamped_time(dry_run, field_manager)
    if stamp is None or answered_at is None:
        return True
    window_start = answered_at - timedelta(seconds=math.ceil(took) + 1)
    return stamp >= window_start
