"""The server-side apply engine: staged apply with drift detection, prune, diff and waiting for readiness."""

from __future__ import annotations

from .apply import Applier, ApplyError, ApplyOptions, ObjectError, apply_staged
from .changeset import Action, Change, ChangeSet
from .diff import FieldChange, diff, mask_secrets_for_diff
from .drift import drifted
from .ignore import IgnoreRules
from .inventory import inventory_of, object_id, stale
from .order import GroupKind, Stage, stage_order
from .prune import DeletionPolicy, PruneError, PruneOptions, deletes_on_finalize, owner_labels, prune
from .recall import Recall
from .wait import (
    NotReady,
    ObjectWatcher,
    StatusOverride,
    WaitCanceled,
    WaitResult,
    WatchWaiter,
    wait_ready,
    wait_terminated,
)

__all__ = [
    "Action",
    "Applier",
    "ApplyError",
    "ApplyOptions",
    "Change",
    "ChangeSet",
    "DeletionPolicy",
    "FieldChange",
    "GroupKind",
    "IgnoreRules",
    "NotReady",
    "ObjectError",
    "ObjectWatcher",
    "PruneError",
    "PruneOptions",
    "Recall",
    "Stage",
    "StatusOverride",
    "WaitCanceled",
    "WaitResult",
    "WatchWaiter",
    "apply_staged",
    "deletes_on_finalize",
    "diff",
    "drifted",
    "inventory_of",
    "mask_secrets_for_diff",
    "object_id",
    "owner_labels",
    "prune",
    "stage_order",
    "stale",
    "wait_ready",
    "wait_terminated",
]
