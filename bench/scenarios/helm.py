"""S5: 100 HelmReleases of one local chart installed at once, then a no-op reconcile of all, against the Helm CLI.

Flux's helm-controller cannot be built here (it needs a Helm fork the Go proxy does not serve), so the
baseline is the floor any controller driving Helm pays: `helm install --wait` of the same chart archive,
as many at a time as helm-controller's workers (4), and `helm status` of each release for the no-op.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.charts import CHART, VERSION, helm, helm_env, publish_chart, serve_charts
from bench.cluster import FIELD_MANAGER, Predicate, handled, is_ready, wait_all, wait_object
from bench.manifests import HELM_API, helm_release, helm_repository
from bench.memory import cpu_seconds
from bench.scenarios.base import Metrics, RunContext, Scenario, Stopwatch, call_metrics, register
from bench.scenarios.kustomize import reconcile_token, request_reconcile
from bench.sides import HelmFloorSide, Launch

RELEASES = 100
CREATORS = 8
"""HelmReleases the bench creates (and annotates) at a time, as S3 creates its Kustomizations."""


def release_name(index: int) -> str:
    """The name of the HelmRelease and of its Helm release."""
    return f"app-{index:03d}"


def side_cpu(ctx: RunContext) -> float:
    """CPU seconds the side has used so far: the helm processes the bench ran (floor), or the controller
    process with the helm processes it ran (reflow)."""
    if isinstance(ctx.side, HelmFloorSide):
        return cpu_seconds(os.getpid(), own=False)
    return sum(cpu_seconds(pid) for pid in ctx.pids)


class Meter(Stopwatch):
    """A stopwatch that also counts the CPU seconds the side used in between."""

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx.audit)
        self.ctx = ctx
        self._cpu_start = side_cpu(ctx)
        self.cpu = 0.0

    def stop(self) -> float:
        """Stop the clock and read the side's CPU time; returns the elapsed seconds."""
        self.cpu = side_cpu(self.ctx) - self._cpu_start
        return super().stop()


async def _fan_out(names: list[str], limit: int, act: Callable[[str], Awaitable[object]]) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(name: str) -> None:
        async with gate:
            await act(name)

    async with asyncio.TaskGroup() as group:
        for name in names:
            group.create_task(one(name))


@register
class HelmReleases(Scenario):
    """S5: from creating 100 HelmReleases to all Ready, then a requestedAt on all until all handled it."""

    id = "S5"
    title = f"helm: {RELEASES} HelmReleases (Deployment, Service, ConfigMap) installed at once, then a no-op"
    metrics = (
        "install_s",
        "install_cpu_s",
        "install_api_calls_per_release",
        "noop_s",
        "noop_cpu_s",
        "noop_api_calls_per_release",
    )
    controllers = ("source", "helm")
    baseline = "helm"
    pods = RELEASES
    timeout = 1200.0

    async def run(self, ctx: RunContext) -> Metrics:
        """Publish the chart in the run's folder, then install and no-op either with helm or with reflow."""
        assert ctx.launch is not None
        folder = ctx.launch.workdir / "charts"
        archive = await publish_chart(folder)
        names = [release_name(i) for i in range(RELEASES)]
        if isinstance(ctx.side, HelmFloorSide):
            return await self._floor(ctx, ctx.launch, archive, names)
        async with serve_charts(folder / "repo") as url:
            return await self._reflow(ctx, url, names)

    async def _floor(self, ctx: RunContext, launch: Launch, archive: Path, names: list[str]) -> Metrics:
        env = helm_env(launch.workdir / "helm-home", launch.kubeconfig)
        where = ["--namespace", ctx.namespace]
        install = Meter(ctx)
        await _fan_out(
            names,
            launch.concurrency.helm,
            lambda name: helm(["install", name, str(archive), *where, "--wait", "--timeout", "5m"], env),
        )
        install.stop()
        noop = Meter(ctx)
        await _fan_out(names, launch.concurrency.helm, lambda name: helm(["status", name, *where], env))
        noop.stop()
        return await self._metrics(ctx, install, noop)

    async def _reflow(self, ctx: RunContext, url: str, names: list[str]) -> Metrics:
        repository = helm_repository("charts", ctx.namespace, url)
        await ctx.kube.apply(repository, field_manager=FIELD_MANAGER)
        await wait_object(ctx.kube, repository, is_ready, timeout=120)
        install = Meter(ctx)
        await _fan_out(
            names,
            CREATORS,
            lambda name: ctx.kube.apply(
                helm_release(name, ctx.namespace, repository="charts", chart=CHART, version=VERSION),
                field_manager=FIELD_MANAGER,
            ),
        )
        await self._all(ctx, is_ready)
        install.stop()
        token = reconcile_token()
        noop = Meter(ctx)
        await _fan_out(names, CREATORS, lambda name: request_reconcile(ctx, HELM_API, "HelmRelease", name, token))
        await self._all(ctx, handled(token))
        noop.stop()
        return await self._metrics(ctx, install, noop)

    async def _all(self, ctx: RunContext, predicate: Predicate) -> None:
        await wait_all(
            ctx.kube, HELM_API, "HelmRelease", ctx.namespace, predicate, count=RELEASES, timeout=self.timeout
        )

    @staticmethod
    async def _metrics(ctx: RunContext, install: Meter, noop: Meter) -> Metrics:
        metrics: Metrics = {
            "install_s": install.seconds,
            "install_cpu_s": install.cpu,
            "noop_s": noop.seconds,
            "noop_cpu_s": noop.cpu,
        }
        for phase, watch in (("install", install), ("noop", noop)):
            calls = await ctx.calls(watch.start, watch.end)
            metrics[f"{phase}_api_calls_per_release"] = calls.total / RELEASES
            metrics.update({f"{phase}_{key}": value for key, value in call_metrics(calls).items()})
            metrics.update({f"{phase}_agent_{agent}": float(count) for agent, count in calls.by_agent.items()})
        return metrics
