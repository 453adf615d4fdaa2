"""S3 and S6: 200 Kustomizations of 20 objects each with health checks, and the controllers' peak memory then."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from bench.cluster import FIELD_MANAGER, is_ready, wait_all
from bench.manifests import KUSTOMIZE_API, app_tree, kustomization
from bench.memory import PeakMemory
from bench.repo import Repository
from bench.scenarios.base import Metrics, RunContext, Scenario, Stopwatch, call_metrics, register
from bench.scenarios.kustomize import ready_source

KUSTOMIZATIONS = 200
CONFIGMAPS_PER_APP = 18
"""With the Deployment and the Service: 20 objects per Kustomization."""
REPOSITORY = "many"


def _app(index: int) -> str:
    return f"app-{index:03d}"


def _fill(repository: Repository) -> None:
    files: dict[str, str] = {}
    for index in range(KUSTOMIZATIONS):
        files.update(app_tree(f"apps/{_app(index)}", _app(index), CONFIGMAPS_PER_APP))
    repository.commit(files, f"{KUSTOMIZATIONS} apps")


@register
class Many(Scenario):
    """S3: 200 Kustomizations × (Deployment + Service + 18 ConfigMaps), `wait: true`, until all are Ready."""

    id = "S3"
    title = f"many: {KUSTOMIZATIONS} Kustomizations × 20 objects, wait: true"
    metrics: ClassVar[tuple[str, ...]] = ("seconds", "api_calls", "api_writes", "api_dry_runs", "peak_rss_mib")
    pods = KUSTOMIZATIONS
    timeout = 1200.0

    @property
    def procedure(self) -> str:
        return "S3"

    async def run(self, ctx: RunContext) -> Metrics:
        """From creating the first Kustomization to all Ready; RSS of the side's process trees sampled meanwhile."""
        await ready_source(ctx, REPOSITORY, _fill)
        appliers = [
            kustomization(_app(i), ctx.namespace, source="bench", path=f"apps/{_app(i)}", wait=True)
            for i in range(KUSTOMIZATIONS)
        ]
        gate = asyncio.Semaphore(8)

        async def create(manifest: dict[str, object]) -> None:
            async with gate:
                await ctx.kube.apply(manifest, field_manager=FIELD_MANAGER)

        with PeakMemory(ctx.pids) as memory:
            watch = Stopwatch(ctx.audit)
            async with asyncio.TaskGroup() as group:
                for applier in appliers:
                    group.create_task(create(applier))
            await wait_all(
                ctx.kube,
                KUSTOMIZE_API,
                "Kustomization",
                ctx.namespace,
                is_ready,
                count=KUSTOMIZATIONS,
                timeout=self.timeout,
            )
            watch.stop()
        calls = await ctx.calls(watch.start, watch.end)
        return {"seconds": watch.seconds, **call_metrics(calls), "peak_rss_mib": memory.peak_mib}


@register
class Memory(Many):
    """S6: the peak RSS (children included) of the side's controller processes during S3."""

    id = "S6"
    title = "memory: peak RSS of the controllers during S3"
    metrics = ("peak_rss_mib",)
