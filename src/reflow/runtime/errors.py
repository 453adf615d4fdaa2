"""Reconcile failures whose class carries the Flux condition reason, and how the runtime schedules after them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from reflow.api.conditions import DEPENDENCY_NOT_READY, INVALID_SPEC, RECONCILIATION_FAILED
from reflow.runtime.result import Conditions


class ReconcileError(Exception):
    """A failure shown on the object as Ready=False with this class's reason, and a Warning event."""

    reason: ClassVar[str] = RECONCILIATION_FAILED
    stalled: ClassVar[bool] = False
    """True: the object stays Stalled and is not retried until its spec (generation) changes."""

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        status: Mapping[str, Any] | None = None,
        conditions: Conditions | None = None,
    ):
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason  # type: ignore[misc]
        self.status: Mapping[str, Any] = status or {}
        """Kind-specific status fields to record with the failure (for example `lastAttemptedRevision`)."""
        self.conditions: Conditions = conditions or {}
        """Kind-specific conditions to set or remove with the failure (for example `FetchFailed`)."""


class StalledError(ReconcileError):
    """A failure that retrying cannot fix (an invalid spec): Ready=False, Stalled=True, no requeue."""

    reason = INVALID_SPEC
    stalled = True


class Waiting(ReconcileError):
    """Something else must happen first: Ready=False with the reason, a Normal event, retry after a delay."""

    reason = DEPENDENCY_NOT_READY

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        requeue_after: float,
        status: Mapping[str, Any] | None = None,
        conditions: Conditions | None = None,
    ) -> None:
        super().__init__(message, reason=reason, status=status, conditions=conditions)
        self.requeue_after = requeue_after
