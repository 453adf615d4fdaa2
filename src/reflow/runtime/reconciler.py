"""The contract between a controller's reconciler and the runtime that drives it.

The runtime parses the object once (`parse`), bounds the run by `timeout(obj)`, and turns how
`reconcile` ended into the status, one event and the next run; the first row that matches wins:

| ended with        | Ready                         | Stalled | next run                            | event           |
|-------------------|-------------------------------|---------|-------------------------------------|-----------------|
| `Result`          | True, its `reason`, `ready`   | removed | `requeue_after` or `interval(obj)`, | Normal, if it   |
|                   |                               |         | jittered; none if both are None     | has an `event`; |
|                   |                               |         |                                     | its `notices`   |
| `Waiting`         | False, its reason             | removed | its `requeue_after`                 | Normal          |
| …with `stalled`   | False, its reason             | True    | none until the generation changes   | Warning         |
| `ReconcileError`  | False, its reason             | removed | `retry_interval(obj)` or backoff    | Warning         |
| `TimeoutError`    | False, `ReconciliationFailed` | removed | as `ReconcileError`                 | Warning         |
| other `Exception` | False, `ReconciliationFailed` | removed | backoff                             | Warning; trace  |
|                   |                               |         |                                     | back in the log |
| `CancelledError`  | untouched                     | –       | none: re-raised, the manager stops  | none            |

Backoff is the work queue's, per object: 750 ms doubling to 15 min (`--min/max-retry-delay`). It keeps
growing while failures repeat, and resets after a success, a wait or a stall.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from typing import ClassVar, Generic, TypeVar

from reflow.api.annotations import FINALIZER
from reflow.api.conditions import INVALID_SPEC
from reflow.api.meta import Manifest
from reflow.api.wire import parse_object
from reflow.runtime.errors import StalledError
from reflow.runtime.events import RECONCILE
from reflow.runtime.result import Result

T = TypeVar("T")

DEFAULT_TIMEOUT = 600.0
"""Seconds a reconcile may take when the reconciler sets no timeout of its own."""

Progress = Callable[[str], Awaitable[None]]
"""Records that the reconcile is working on a stage: Reconciling=True, Ready=Unknown with that message."""


class Reconciler(abc.ABC, Generic[T]):
    """Reconciles one kind: parse the object, do the work, raise a ReconcileError when a step fails.

    The runtime reads the object from the cache, honours suspend and the finalizer, records progress
    and the outcome, emits the event, records metrics and schedules the next run.
    """

    api_version: ClassVar[str]
    kind: ClassVar[str]
    finalizer: ClassVar[str | None] = FINALIZER
    """Added on first reconcile and removed after `finalize`; None: the kind needs no clean-up."""
    finalize_suspended: ClassVar[bool] = False
    """True: `finalize` runs on deletion even while the object is suspended (the kind's clean-up is not optional)."""

    @abc.abstractmethod
    def parse(self, obj: Manifest) -> T:
        """The typed object for a manifest from the cache; raise StalledError when the spec is invalid."""

    @abc.abstractmethod
    async def reconcile(self, obj: T, progress: Progress) -> Result:
        """Bring the world in line with the object; call `progress` before doing work that takes time."""

    def suspended(self, obj: Manifest) -> bool:
        """Whether the object asks not to be reconciled: `spec.suspend`, unless the kind says otherwise."""
        return bool((obj.get("spec") or {}).get("suspend"))

    async def finalize(self, obj: T) -> None:
        """Clean up before the object goes away (skipped for suspended objects unless `finalize_suspended`)."""
        del obj

    def interval(self, obj: T) -> float | None:
        """Seconds between runs when nothing triggers one (`spec.interval`); None: only events trigger runs."""
        del obj
        return None

    def retry_interval(self, obj: T) -> float | None:
        """Seconds before retrying a failure; None: the queue's exponential backoff (sources)."""
        del obj
        return None

    def event_action(self, reason: str) -> str:
        """The `action` of the event a failure with this reason emits (Flux 2.10 names an action per
        controller); `Reconcile` unless the kind says otherwise."""
        del reason
        return RECONCILE

    def related_object(self, obj: Manifest) -> Manifest | None:
        """The object reference sent as the events' `relatedObject` (a Kustomization's source); None by default."""
        del obj
        return None

    def timeout(self, obj: T) -> float:
        """Seconds one reconcile may take (`spec.timeout`); ten minutes unless the kind says otherwise."""
        del obj
        return DEFAULT_TIMEOUT


def parse_kind(model: type[T], obj: Manifest) -> T:
    """`obj` as its kind's model; a manifest the model refuses stalls (InvalidSpec) until the spec changes."""
    try:
        return parse_object(model, obj)
    except ValueError as error:
        raise StalledError(f"invalid {model.__name__}: {error}", reason=INVALID_SPEC) from error
