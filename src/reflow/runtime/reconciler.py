"""The contract between a controller's reconciler and the runtime that drives it."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from typing import ClassVar, Generic, TypeVar

from reflow.api.duration import parse_duration
from reflow.api.meta import Manifest
from reflow.runtime.result import Result

T = TypeVar("T")

FINALIZER = "finalizers.fluxcd.io"
DEFAULT_TIMEOUT = 600.0
"""Seconds a reconcile may take when the kind has no `spec.timeout`."""

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

    @abc.abstractmethod
    def parse(self, obj: Manifest) -> T:
        """The typed object for a manifest from the cache."""

    @abc.abstractmethod
    async def reconcile(self, obj: T, progress: Progress) -> Result:
        """Bring the world in line with the object; call `progress` before doing work that takes time."""

    async def finalize(self, obj: T) -> None:
        """Clean up before the object goes away (skipped for suspended objects)."""
        del obj

    def interval(self, obj: Manifest) -> float | None:
        """Seconds between runs when nothing triggers one: `spec.interval`."""
        text = (obj.get("spec") or {}).get("interval")
        return parse_duration(text) if text else None

    def retry_interval(self, obj: Manifest) -> float | None:
        """Seconds before retrying a failure; None: the queue's exponential backoff (sources)."""
        del obj
        return None

    def timeout(self, obj: Manifest) -> float:
        """Seconds one reconcile may take: `spec.timeout`, else ten minutes."""
        text = (obj.get("spec") or {}).get("timeout")
        return parse_duration(text) if text else DEFAULT_TIMEOUT
