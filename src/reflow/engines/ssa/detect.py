"""Detect-only drift: which applied objects the cluster changed, and where, without correcting them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from reflow.api.meta import ObjectRef

from .apply import Plan
from .changeset import Action
from .diff import diff
from .ignore import IgnoreRules, removed

SHOWN = 10
"""Drifted objects named in a message; the rest are counted."""


class DriftMode(StrEnum):
    """What reflow does when the cluster no longer matches what it applied."""

    CORRECT = "correct"
    """Apply again (Flux's behaviour, the default)."""
    DETECT = "detect"
    """Report the drift and leave the cluster as it is, until the manifests themselves change."""

    @classmethod
    def parse(cls, value: str | None) -> DriftMode:
        """The mode an annotation value names (absent: correct); raises ValueError naming the accepted values."""
        if value is None or not value.strip():
            return cls.CORRECT
        try:
            return cls(value.strip().lower())
        except ValueError:
            accepted = ", ".join(repr(mode.value) for mode in cls)
            raise ValueError(f"unknown drift mode {value!r}: use one of {accepted}") from None


@dataclass(frozen=True, slots=True)
class Drift:
    """One object that differs from its manifest: the fields that differ, or that it is gone."""

    ref: ObjectRef
    fields: tuple[str, ...] = ()
    """JSON pointers of the fields an apply would change (values are never kept: they may be secret)."""
    missing: bool = False
    """The object was deleted from the cluster."""

    def __str__(self) -> str:
        return f"{self.ref} ({'deleted' if self.missing else ', '.join(self.fields)})"


def drifts(plans: Iterable[Plan], ignore: IgnoreRules) -> tuple[Drift, ...]:
    """The drift in a set of plans made without writing: gone objects, and changed fields outside `ignore`.

    A plan that would only hand fields over from another manager, with every value already as the
    manifest says, is not drift.
    """
    found: list[Drift] = []
    for plan in plans:
        if plan.action is Action.CREATED:
            found.append(Drift(plan.ref, ("immutable fields",)) if plan.recreate else Drift(plan.ref, missing=True))
        elif plan.action is Action.CONFIGURED and plan.dry_run is not None:
            live, dry_run = plan.live, plan.dry_run
            if pointers := ignore.pointers(dry_run):
                live, dry_run = (removed(live, pointers) if live is not None else None), removed(dry_run, pointers)
            fields = tuple(change.path for change in diff(live, dry_run))
            if fields:
                found.append(Drift(plan.ref, fields))
    return tuple(found)


def describe(found: tuple[Drift, ...], revision: str) -> str:
    """A condition message naming the drifted objects and fields (the first `SHOWN`, then a count)."""
    if not found:
        return f"No drift from revision {revision}"
    noun = "object" if len(found) == 1 else "objects"
    listed = "; ".join(str(drift) for drift in found[:SHOWN])
    more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return f"{len(found)} {noun} drifted from revision {revision}, left as they are (drift mode detect): {listed}{more}"
