"""What a reconcile returns when it succeeds: the Ready message, when to run again, and what to record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reflow.api.conditions import SUCCEEDED


@dataclass(frozen=True, slots=True)
class ConditionState:
    """A kind-specific condition to set beside Ready (ArtifactInStorage, SourceVerified, Healthy, …)."""

    status: str
    reason: str
    message: str


Conditions = Mapping[str, "ConditionState | None"]


@dataclass(frozen=True, slots=True)
class Notice:
    """An event that a successful reconcile emits whether or not it changed anything (Normal, or Warning)."""

    reason: str
    message: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    warning: bool = False


"""Condition type → its new state, or None to remove it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """A successful reconcile.

    `ready` becomes the Ready=True message; `requeue_after` is in seconds (None: wait for the next
    event); `status` holds kind-specific status fields to merge (None values delete a field);
    `conditions` sets or removes kind-specific conditions; `event`, when set, is emitted as a Normal
    event with `event_reason`, for runs that changed something; then each of `notices`, in order.
    """

    ready: str
    requeue_after: float | None = None
    reason: str = SUCCEEDED
    status: Mapping[str, Any] = field(default_factory=dict)
    conditions: Conditions = field(default_factory=dict)
    event: str | None = None
    event_reason: str | None = None
    event_metadata: Mapping[str, str] = field(default_factory=dict)
    notices: tuple[Notice, ...] = ()
