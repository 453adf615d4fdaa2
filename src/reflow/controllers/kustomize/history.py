"""`status.history` of a Kustomization: the last runs, one snapshot per digest of the built manifests and outcome."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from reflow.api.duration import go_duration_string
from reflow.api.kustomize import Snapshot
from reflow.api.meta import Manifest

HISTORY_LIMIT = 5
"""Snapshots kept, newest first (Flux's `HistoryMaxSize`)."""


def manifests_digest(objects: Sequence[Manifest]) -> str:
    """`sha256:<hex>` of the built manifests, serialised canonically (sorted keys): equal builds, equal digests."""
    data = json.dumps(list(objects), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"sha256:{hashlib.sha256(data.encode()).hexdigest()}"


def recorded(
    history: Sequence[Snapshot],
    *,
    digest: str,
    status: str,
    at: datetime,
    took: float,
    metadata: Mapping[str, str],
) -> tuple[Snapshot, ...]:
    """The history with this run in it, as Flux's `History.Upsert` keeps it.

    A snapshot with the same digest and status is updated (last reconciled, duration, metadata, one more
    run) and moved to the front; otherwise a new one goes in front. At most `HISTORY_LIMIT` are kept.
    """
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    duration = go_duration_string(took)
    for index, snapshot in enumerate(history):
        if snapshot.digest == digest and snapshot.last_reconciled_status == status:
            updated = replace(
                snapshot,
                last_reconciled=stamp,
                last_reconciled_duration=duration,
                total_reconciliations=snapshot.total_reconciliations + 1,
                metadata=dict(metadata),
            )
            return (updated, *history[:index], *history[index + 1 :])[:HISTORY_LIMIT]
    new = Snapshot(
        digest=digest,
        first_reconciled=stamp,
        last_reconciled=stamp,
        last_reconciled_duration=duration,
        last_reconciled_status=status,
        total_reconciliations=1,
        metadata=dict(metadata),
    )
    return (new, *history)[:HISTORY_LIMIT]
