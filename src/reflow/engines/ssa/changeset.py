"""What an apply or prune did to each object: the change set Flux logs, prints and turns into an inventory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from reflow.api.kustomize import ResourceInventory
from reflow.api.meta import ObjectRef

from .inventory import inventory_of


class Action(StrEnum):
    """What happened to one object; the values are the words Flux prints after the object id."""

    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"

    @property
    def changed(self) -> bool:
        """Whether the cluster changed: created, configured or deleted (what Flux's events list)."""
        return self in (Action.CREATED, Action.CONFIGURED, Action.DELETED)


@dataclass(frozen=True, slots=True)
class Change:
    """One object and what was done to it; `version` is the API version it was applied or deleted with."""

    ref: ObjectRef
    version: str
    action: Action

    def __str__(self) -> str:
        return f"{self.ref} {self.action}"

    @classmethod
    def of(cls, ref: ObjectRef, action: Action) -> Change:
        """The change for a reference, with the reference's API version."""
        return cls(ref, ref.api_version, action)


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """The changes of one apply or prune, in the order the objects were handled."""

    changes: tuple[Change, ...] = ()

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __add__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(self.changes + other.changes)

    def __str__(self) -> str:
        """Every change, one `Kind/namespace/name action` line each."""
        return "\n".join(str(change) for change in self.changes)

    @classmethod
    def of(cls, changes: Iterable[Change]) -> ChangeSet:
        return cls(tuple(changes))

    def refs(self) -> tuple[ObjectRef, ...]:
        """The objects, in order."""
        return tuple(change.ref for change in self.changes)

    def actions(self) -> dict[str, Action]:
        """`Kind/namespace/name` → action, as Flux logs a change set."""
        return {str(change.ref): change.action for change in self.changes}

    def with_action(self, *actions: Action) -> tuple[Change, ...]:
        """The changes that had one of these actions."""
        return tuple(change for change in self.changes if change.action in actions)

    def summary(self) -> str:
        """The lines of what changed (created, configured, deleted), as in Flux's event; empty when nothing did."""
        return "\n".join(str(change) for change in self.changes if change.action.changed)

    def inventory(self) -> ResourceInventory:
        """The inventory of every object in the set, skipped ones included, as Flux records it."""
        return inventory_of((change.ref, change.version) for change in self.changes)
