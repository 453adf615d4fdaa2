"""Asking controllers to act, as `reflow reconcile`, `suspend`, `resume` and the web UI do: plain merge patches."""

from __future__ import annotations

import time

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import ObjectRef
from reflow.engines.flux.state import suspend_patch
from reflow.kube.client import Kube

FIELD_MANAGER = "reflow"


def request_token() -> str:
    """A `requestedAt` token: the current UTC time in RFC 3339 with nanoseconds, trailing zeros trimmed, as Go."""
    nanos = time.time_ns()
    seconds, fraction = divmod(nanos, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{fraction:09d}".rstrip("0")
    return f"{stamp}.{digits}Z" if digits else f"{stamp}Z"


async def request_reconcile(kube: Kube, ref: ObjectRef) -> str:
    """Set a new `reconcile.fluxcd.io/requestedAt` token on the object and return it."""
    token = request_token()
    await kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: token}}}, field_manager=FIELD_MANAGER)
    return token


async def set_suspend(kube: Kube, ref: ObjectRef, value: bool) -> None:
    """Merge-patch `spec.suspend` (or the generator's annotation) only."""
    await kube.patch(ref, suspend_patch(ref.kind, value), field_manager=FIELD_MANAGER)
