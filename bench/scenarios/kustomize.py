"""S1 and S2: one Kustomization of 1000 ConfigMaps — a no-op reconcile on request, and the first apply."""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.cluster import FIELD_MANAGER, handled, is_ready, wait_object
from bench.manifests import KUSTOMIZE_API, configmaps_tree, git_repository, kustomization
from bench.repo import Repository
from bench.scenarios.base import Metrics, RunContext, Scenario, Stopwatch, call_metrics, register
from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import ObjectRef

CONFIGMAPS = 1000
REPOSITORY = "configmaps"
PATH = "configmaps"


def _fill(repository: Repository) -> None:
    repository.commit(configmaps_tree(PATH, CONFIGMAPS), f"{CONFIGMAPS} ConfigMaps")


async def ready_source(ctx: RunContext, repository: str, fill: Callable[[Repository], None]) -> None:
    """A GitRepository `bench` for the repository, waited Ready (its artifact is stored)."""
    repo = ctx.repository(repository, fill)
    source = git_repository("bench", ctx.namespace, ctx.git.url(repo.bare.name))
    await ctx.kube.apply(source, field_manager=FIELD_MANAGER)
    await wait_object(ctx.kube, source, is_ready, timeout=120)


def reconcile_token() -> str:
    """A `reconcile.fluxcd.io/requestedAt` value: the time now, as `flux reconcile` writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{time.time_ns() % 10**9:09d}Z"


async def request_reconcile(ctx: RunContext, api_version: str, kind: str, name: str, token: str | None = None) -> str:
    """Set `reconcile.fluxcd.io/requestedAt` on the object (`token`, else the time now); returns the token."""
    token = token or reconcile_token()
    ref = ObjectRef(api_version, kind, name, ctx.namespace)
    await ctx.kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: token}}})
    return token


async def _call_metrics(ctx: RunContext, watch: Stopwatch) -> Metrics:
    return {"seconds": watch.seconds, **call_metrics(await ctx.calls(watch.start, watch.end))}


@register
class FirstApply(Scenario):
    """S2: the source is Ready; a new Kustomization applies 1000 ConfigMaps into an empty namespace."""

    id = "S2"
    title = f"first apply: {CONFIGMAPS} ConfigMaps into an empty namespace"
    metrics = ("seconds", "api_calls", "api_writes", "api_dry_runs")

    async def run(self, ctx: RunContext) -> Metrics:
        """From creating the Kustomization to Ready."""
        await ready_source(ctx, REPOSITORY, _fill)
        applier = kustomization("configmaps", ctx.namespace, source="bench", path=PATH)
        watch = Stopwatch(ctx.audit)
        await ctx.kube.apply(applier, field_manager=FIELD_MANAGER)
        await wait_object(ctx.kube, applier, is_ready, timeout=self.timeout)
        watch.stop()
        return await _call_metrics(ctx, watch)


@register
class NoOp(Scenario):
    """S1: the 1000 ConfigMaps are applied already; a requestedAt makes the Kustomization reconcile again."""

    id = "S1"
    title = f"no-op: requested reconcile of {CONFIGMAPS} applied ConfigMaps"
    metrics = ("seconds", "api_calls", "api_writes", "api_dry_runs")

    async def run(self, ctx: RunContext) -> Metrics:
        """From the requestedAt patch to `lastHandledReconcileAt` matching it with Ready=True."""
        await ready_source(ctx, REPOSITORY, _fill)
        applier = kustomization("configmaps", ctx.namespace, source="bench", path=PATH)
        await ctx.kube.apply(applier, field_manager=FIELD_MANAGER)
        await wait_object(ctx.kube, applier, is_ready, timeout=self.timeout)
        watch = Stopwatch(ctx.audit)
        token = await request_reconcile(ctx, KUSTOMIZE_API, "Kustomization", "configmaps")
        await wait_object(ctx.kube, applier, handled(token), timeout=self.timeout)
        watch.stop()
        return await _call_metrics(ctx, watch)
