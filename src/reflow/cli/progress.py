"""Waiting for a Flux object to be reconciled, by watching it, with a live progress line and a deadline."""

from __future__ import annotations

import time
from dataclasses import dataclass

from reflow.api.conditions import READY, condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import err, fail
from reflow.engines.flux.state import ready
from reflow.kube.client import Kube
from reflow.kube.wait import WaitTimeout, wait_for


@dataclass(frozen=True, slots=True)
class Reconciled:
    """The object once its controller reported on the request, and how long that took in seconds."""

    obj: Manifest
    seconds: float

    @property
    def ready(self) -> bool:
        """Whether the controller reported Ready=True."""
        return ready(self.obj)[0] == "True"

    @property
    def message(self) -> str:
        """The Ready condition's message."""
        return ready(self.obj)[1]


def handled(obj: Manifest | None, token: str | None) -> bool:
    """Whether the controller has finished with the object's current spec (and with the request `token`).

    That is: it observed the current generation, handled the token when there is one, and Ready is no
    longer Unknown (a controller marks a run in progress as Ready=Unknown, Reconciling=True).
    """
    if obj is None:
        return False
    status = obj.get("status") or {}
    found = condition(obj, READY)
    # Kinds without status.observedGeneration (ArtifactGenerator) carry it on their conditions.
    observed = status.get("observedGeneration", (found or {}).get("observedGeneration"))
    if int(observed or -1) < int(obj["metadata"].get("generation") or 0):
        return False
    if token is not None and status.get("lastHandledReconcileAt") != token:
        return False
    return found is not None and found.get("status") != "Unknown"


async def wait_reconciled(kube: Kube, ref: ObjectRef, *, token: str | None, timeout: float) -> Reconciled:
    """Watch the object until its controller reports on it, showing the current Ready message meanwhile.

    Exits with a clear message when the deadline passes first.
    """
    started = time.monotonic()
    label = f"waiting for {ref.kind} reconciliation"
    with err.status(label) as line:

        def done(obj: Manifest | None) -> bool:
            if obj is not None:
                line.update(f"{label}: {ready(obj)[1] or 'no status yet'}")
            return handled(obj, token)

        try:
            obj = await wait_for(kube, ref, done, timeout=timeout, what="reconciled")
        except WaitTimeout as error:
            fail(str(error), "is its controller running? `reflow check` shows the controllers")
    assert obj is not None
    return Reconciled(obj, time.monotonic() - started)
