"""Status as Flux writes it, as pure functions: Ready always, Reconciling and Stalled only while True."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reflow.api.conditions import PROGRESSING, PROGRESSING_WITH_RETRY, READY, RECONCILING, STALLED

Status = dict[str, Any]
Condition = dict[str, Any]

MESSAGE_LIMIT = 32768
"""metav1.Condition caps messages at 32 KiB."""


def now_rfc3339() -> str:
    """The current time as Kubernetes writes timestamps (RFC 3339, seconds, UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def find(conditions: list[Condition], kind: str) -> Condition | None:
    """The condition of a type, or None."""
    return next((c for c in conditions if c.get("type") == kind), None)


def set_condition(
    conditions: list[Condition], kind: str, state: str, reason: str, message: str, *, generation: int, now: str
) -> list[Condition]:
    """A new list with the condition set; its lastTransitionTime moves only when its status changes.

    Ready stays first, so `kubectl get` and people see it before the others.
    """
    previous = find(conditions, kind)
    transition = previous["lastTransitionTime"] if previous and previous.get("status") == state else now
    updated: Condition = {
        "type": kind,
        "status": state,
        "observedGeneration": generation,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message[:MESSAGE_LIMIT],
    }
    rest = [c for c in conditions if c.get("type") != kind]
    merged = [updated, *rest] if kind == READY else [*rest, updated]
    ready = [c for c in merged if c.get("type") == READY]
    return ready + [c for c in merged if c.get("type") != READY]


def remove_condition(conditions: list[Condition], kind: str) -> list[Condition]:
    """A new list without the condition."""
    return [c for c in conditions if c.get("type") != kind]


def progressing(status: Mapping[str, Any], message: str, *, generation: int, retrying: bool, now: str) -> Status:
    """The status while a reconcile works: Reconciling=True and Ready=Unknown, both naming the stage."""
    reason = PROGRESSING_WITH_RETRY if retrying else PROGRESSING
    conditions = list(status.get("conditions") or [])
    conditions = set_condition(conditions, RECONCILING, "True", reason, message, generation=generation, now=now)
    conditions = set_condition(conditions, READY, "Unknown", reason, message, generation=generation, now=now)
    return {**copy.deepcopy(dict(status)), "conditions": conditions}


def finished(
    status: Mapping[str, Any],
    *,
    ready: bool,
    reason: str,
    message: str,
    stalled: bool = False,
    generation: int,
    fields: Mapping[str, Any] | None = None,
    extra: Mapping[str, tuple[str, str, str] | None] | None = None,
    now: str,
) -> Status:
    """The status after a reconcile: Ready True/False, Reconciling removed, Stalled only when stalled.

    `fields` are kind-specific status fields merged on top; a None value removes the field. `extra`
    sets kind-specific conditions as (status, reason, message), or removes them when None.
    """
    conditions = list(status.get("conditions") or [])
    state = "True" if ready else "False"
    conditions = set_condition(conditions, READY, state, reason, message, generation=generation, now=now)
    conditions = remove_condition(conditions, RECONCILING)
    if stalled:
        conditions = set_condition(conditions, STALLED, "True", reason, message, generation=generation, now=now)
    else:
        conditions = remove_condition(conditions, STALLED)
    for kind, wanted in (extra or {}).items():
        if wanted is None:
            conditions = remove_condition(conditions, kind)
        else:
            conditions = set_condition(conditions, kind, *wanted, generation=generation, now=now)
    result: Status = copy.deepcopy(dict(status))
    for name, value in (fields or {}).items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = copy.deepcopy(value)
    result["conditions"] = conditions
    result["observedGeneration"] = generation
    return result


def status_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any] | None:
    """A JSON merge patch turning `old` into `new` at the top level of status, or None when they are equal."""
    patch: dict[str, Any] = {name: value for name, value in new.items() if old.get(name) != value}
    patch.update({name: None for name in old if name not in new})
    return patch or None
