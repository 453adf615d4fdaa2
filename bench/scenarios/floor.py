"""S0: what the API server of this plane costs per call, through reflow's own client, unthrottled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bench.cluster import FIELD_MANAGER
from bench.manifests import configmap
from bench.scenarios.base import Metrics, RunContext, Scenario, register
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube

CALLS = 1000
CONCURRENCY = (1, 8)
OPERATIONS = ("get", "dry_run", "create", "noop_apply")

Call = Callable[[int], Awaitable[object]]


async def _drive(call: Call, calls: int, concurrency: int) -> float:
    """Make `calls` calls with `concurrency` workers; returns the elapsed seconds."""
    numbers = iter(range(calls))

    async def worker() -> None:
        for number in numbers:
            await call(number)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    return time.perf_counter() - started


def _creator(kube: Kube, namespace: str, *, prefix: str) -> Call:
    """Call number n creates ConfigMap `PREFIX-n` by server-side apply."""

    def create(number: int) -> Awaitable[object]:
        manifest = configmap(f"{prefix}-{number:04d}", {"key": "value"}, namespace)
        return kube.apply(manifest, field_manager=FIELD_MANAGER)

    return create


@register
class Floor(Scenario):
    """GET, SSA dry-run, SSA create and SSA no-op apply of one ConfigMap, 1000 times, at concurrency 1 and 8."""

    id = "S0"
    title = "floor: raw API calls of this plane"
    metrics = tuple(f"{op}_c{c}_{unit}" for op in OPERATIONS for c in CONCURRENCY for unit in ("per_s", "ms"))
    per_side = False

    async def run(self, ctx: RunContext) -> Metrics:
        """Each operation at each concurrency, in that order; rates in calls per second, latency in ms."""
        kube = ctx.kube  # the driver's connection: reflow's client, without a client-side rate limit
        floor = configmap("floor", {"key": "value"}, ctx.namespace)
        await kube.apply(floor, field_manager=FIELD_MANAGER)
        await kube.get(ObjectRef.of(floor))  # warm the REST mapping and the connection pool
        results: Metrics = {}
        for concurrency in CONCURRENCY:
            calls: dict[str, Call] = {
                "get": lambda _: kube.get(ObjectRef.of(floor)),
                "dry_run": lambda _: kube.apply(floor, field_manager=FIELD_MANAGER, dry_run=True),
                "create": _creator(kube, ctx.namespace, prefix=f"create-c{concurrency}"),
                "noop_apply": lambda _: kube.apply(floor, field_manager=FIELD_MANAGER),
            }
            for operation in OPERATIONS:
                seconds = await _drive(calls[operation], CALLS, concurrency)
                results[f"{operation}_c{concurrency}_per_s"] = CALLS / seconds
                results[f"{operation}_c{concurrency}_ms"] = 1000 * seconds * concurrency / CALLS
        return results
