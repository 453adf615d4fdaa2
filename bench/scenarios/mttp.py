"""S7: Flux's MTTP benchmark shape — N Kustomizations × 4 objects, each on its own GitRepository, wait: true."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from bench.cluster import FIELD_MANAGER, is_ready, wait_all
from bench.manifests import KUSTOMIZE_API, Manifest, git_repository, kustomization, mttp_app_tree
from bench.memory import PeakMemory
from bench.repo import Repository
from bench.scenarios.base import Metrics, RunContext, Scenario, call_metrics, register
from bench.scenarios.helm import Meter
from bench.sides import Concurrency

REPOSITORY = "mttp"
PATH = "app"
CREATORS = 8
"""Objects the bench creates at a time, as S3 does."""


def _fill(repository: Repository) -> None:
    repository.commit(mttp_app_tree(PATH), "one app: ServiceAccount, Service, Deployment (0 replicas), Ingress")


def _name(index: int) -> str:
    return f"app-{index:04d}"


def _pair(ctx: RunContext, index: int, url: str) -> tuple[Manifest, Manifest]:
    """The app's own GitRepository and its Kustomization, which prefixes the app's object names with its own."""
    name = _name(index)
    applier = kustomization(name, ctx.namespace, source=name, path=PATH, wait=True, timeout="1m")
    applier["spec"]["namePrefix"] = f"{name}-"
    return git_repository(name, ctx.namespace, url), applier


@register
class Mttp(Scenario):
    """S7: from creating N GitRepositories and their Kustomizations to all N Kustomizations Ready."""

    id = "S7"
    title = "MTTP: N Kustomizations × 4 objects, each on its own GitRepository, wait: true (Flux's benchmark)"
    metrics: ClassVar[tuple[str, ...]] = (
        "seconds",
        "cpu_seconds",
        "api_calls",
        "api_writes",
        "api_dry_runs",
        "peak_rss_mib",
    )
    sized = True
    concurrency = Concurrency(source=10, kustomize=20, reflow=20)
    """As Flux's benchmark runs them: source-controller `--concurrent=10`, kustomize-controller 20."""

    def time_limit(self, ctx: RunContext) -> float:
        """Two minutes plus a second per Kustomization (Flux's runner took 0.25 s each at N = 1000)."""
        return 120.0 + self.size

    async def run(self, ctx: RunContext) -> Metrics:
        """Every object is created at once (sources first); measured until every Kustomization is Ready."""
        url = ctx.git.url(ctx.repository(REPOSITORY, _fill).bare.name)
        pairs = [_pair(ctx, index, url) for index in range(self.size)]
        gate = asyncio.Semaphore(CREATORS)

        async def create(manifest: Manifest) -> None:
            async with gate:
                await ctx.kube.apply(manifest, field_manager=FIELD_MANAGER)

        with PeakMemory(ctx.pids) as memory:
            meter = Meter(ctx)
            async with asyncio.TaskGroup() as group:
                for source, applier in pairs:
                    group.create_task(create(source))
                    group.create_task(create(applier))
            await wait_all(ctx.kube, KUSTOMIZE_API, "Kustomization", ctx.namespace, is_ready, count=self.size,
                           timeout=self.time_limit(ctx))  # fmt: skip
            meter.stop()
        calls = await ctx.calls(meter.start, meter.end)
        return {
            "seconds": meter.seconds,
            "cpu_seconds": meter.cpu,
            **call_metrics(calls),
            "peak_rss_mib": memory.peak_mib,
        }
