"""Leader election on a `coordination.k8s.io` Lease: one holder at a time, hand-over within the lease duration.

A candidate waits on a watch of the Lease, not a timer loop: it tries again when the holder releases
or changes it, or when the holder has let it lapse for a lease duration.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import AlreadyExists, Conflict, KubeError, NotFound
from reflow.kube.wait import WaitTimeout, wait_for

log = logging.getLogger("reflow.runtime.leader")

LEASE_API = "coordination.k8s.io/v1"


class LeadershipLost(Exception):
    """The lease could not be renewed before the renew deadline; the work under it must stop."""


def micro_time() -> str:
    """Kubernetes MicroTime for now."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_identity() -> str:
    """`<hostname>_<uuid>`, as controller-runtime names candidates."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


class LeaderElector:
    """Holds the Lease `name` in `namespace` for `identity` while work runs under `leading()`."""

    def __init__(
        self,
        kube: Kube,
        namespace: str,
        name: str,
        *,
        identity: str | None = None,
        lease_duration: float = 35.0,
        renew_deadline: float = 30.0,
        retry_period: float = 5.0,
    ) -> None:
        self.kube = kube
        self.ref = ObjectRef(LEASE_API, "Lease", name, namespace)
        self.identity = identity or default_identity()
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self._lease: Manifest | None = None

    @asynccontextmanager
    async def holding(self) -> AsyncIterator[asyncio.Task[None]]:
        """After `acquire()`: keep renewing while inside; yields the renewing task (it raises LeadershipLost).

        On exit the lease is released so that another candidate takes over at once.
        """
        log.info("leader election won", extra={"lease": str(self.ref), "identity": self.identity})
        renewing = asyncio.get_running_loop().create_task(self._renew())
        try:
            yield renewing
        finally:
            renewing.cancel()
            with suppress(asyncio.CancelledError, LeadershipLost):
                await renewing
            await self.release()

    async def acquire(self) -> None:
        """Return once this candidate holds the lease."""
        while True:
            lease = await self._get()
            if lease is None:
                if await self._create():
                    return
                continue
            spec = lease.get("spec") or {}
            holder = spec.get("holderIdentity") or ""
            if holder in ("", self.identity) and await self._take(lease):
                return
            observed = time.monotonic()
            duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
            version = lease["metadata"]["resourceVersion"]

            def changed(obj: Manifest | None, seen: str = version) -> bool:
                return obj is None or obj["metadata"]["resourceVersion"] != seen

            remaining = max(0.1, duration - (time.monotonic() - observed))
            try:
                await wait_for(self.kube, self.ref, changed, timeout=remaining, what="released")
            except WaitTimeout:
                if await self._take(lease):
                    return

    async def _get(self) -> Manifest | None:
        try:
            return await self.kube.get(self.ref)
        except NotFound:
            return None

    def _spec(self, transitions: int, acquired: str | None = None) -> Manifest:
        now = micro_time()
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self.lease_duration),
            "acquireTime": acquired or now,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    async def _create(self) -> bool:
        lease = {
            "apiVersion": LEASE_API,
            "kind": "Lease",
            "metadata": {"name": self.ref.name, "namespace": self.ref.namespace},
            "spec": self._spec(0),
        }
        try:
            self._lease = await self.kube.create(lease)
        except AlreadyExists:
            return False
        return True

    async def _take(self, lease: Manifest) -> bool:
        spec = lease.get("spec") or {}
        transitions = int(spec.get("leaseTransitions") or 0)
        ours = spec.get("holderIdentity") == self.identity
        updated = {
            **lease,
            "spec": self._spec(transitions if ours else transitions + 1, spec.get("acquireTime") if ours else None),
        }
        try:
            self._lease = await self.kube.replace(updated)
        except (Conflict, NotFound):
            return False
        return True

    async def _renew(self) -> None:
        last_renewal = time.monotonic()
        while True:
            await asyncio.sleep(self.retry_period)
            try:
                assert self._lease is not None
                renewed = {**self._lease, "spec": {**self._lease["spec"], "renewTime": micro_time()}}
                self._lease = await self.kube.replace(renewed)
                last_renewal = time.monotonic()
            except KubeError as error:
                log.warning("lease renewal failed", extra={"error": str(error)})
                if isinstance(error, Conflict | NotFound) or time.monotonic() - last_renewal > self.renew_deadline:
                    raise LeadershipLost(f"lost the lease {self.ref}: {error}") from error

    async def release(self) -> None:
        """Give the lease up (holder emptied, duration 1 s) if this candidate still holds it.

        A renewal cancelled in flight may have changed the lease meanwhile: on a conflict the lease is
        read again and released from its current version.
        """
        lease, self._lease = self._lease, None
        for _ in range(3):
            if lease is None or (lease.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            released = {**lease, "spec": {**lease["spec"], "holderIdentity": "", "leaseDurationSeconds": 1}}
            try:
                await self.kube.replace(released)
                return
            except Conflict:
                lease = await self._get()
            except KubeError as error:
                log.warning("lease release failed", extra={"error": str(error)})
                return
