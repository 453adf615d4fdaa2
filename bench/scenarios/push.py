"""S4: from a pushed commit and a requestedAt on the GitRepository to the changed ConfigMap in the cluster."""

from __future__ import annotations

import statistics
import time

import yaml

from bench.cluster import FIELD_MANAGER, Predicate, is_ready, wait_object
from bench.manifests import SOURCE_API, configmap, git_repository, kustomization
from bench.repo import Repository
from bench.scenarios.base import Metrics, RunContext, Scenario, Stopwatch, register
from bench.scenarios.kustomize import request_reconcile

COMMITS = 20
PATH = "pushed"


def _tree(value: str) -> dict[str, str]:
    return {
        f"{PATH}/configmap.yaml": yaml.safe_dump(configmap("pushed", {"value": value})),
        f"{PATH}/kustomization.yaml": yaml.safe_dump({"resources": ["configmap.yaml"]}),
    }


def holds(value: str) -> Predicate:
    """The ConfigMap's `data.value` is `value`."""
    return lambda obj: (obj.get("data") or {}).get("value") == value


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` (0–1) of the sorted values, interpolated linearly."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@register
class PushToApplied(Scenario):
    """S4: 20 commits in a row, each followed by a requestedAt on the GitRepository; p50 and p95 latency."""

    id = "S4"
    title = f"push-to-applied: {COMMITS} commits, requestedAt on the GitRepository"
    metrics = ("p50_s", "p95_s", "api_calls_per_commit")

    async def run(self, ctx: RunContext) -> Metrics:
        """Each commit timed from the requestedAt patch to the ConfigMap holding the new value."""
        repository = Repository(ctx.git.root, f"push-{ctx.namespace}")
        repository.commit(_tree("initial"), "initial")
        source = git_repository("bench", ctx.namespace, ctx.git.url(repository.bare.name))
        applier = kustomization("pushed", ctx.namespace, source="bench", path=PATH)
        await ctx.kube.apply(source, field_manager=FIELD_MANAGER)
        await ctx.kube.apply(applier, field_manager=FIELD_MANAGER)
        await wait_object(ctx.kube, applier, is_ready, timeout=120)
        target = configmap("pushed", {}, ctx.namespace)
        latencies: list[float] = []
        whole = Stopwatch(ctx.audit)
        for number in range(COMMITS):
            value = f"commit-{number}-{time.time_ns()}"
            repository.commit(_tree(value), value)
            watch = Stopwatch(ctx.audit)
            await request_reconcile(ctx, SOURCE_API, "GitRepository", "bench")
            await wait_object(ctx.kube, target, holds(value), timeout=120)
            latencies.append(watch.stop())
        whole.stop()
        calls = (await ctx.calls(whole.start, whole.end)).total
        return {
            "p50_s": statistics.median(latencies),
            "p95_s": percentile(latencies, 0.95),
            "mean_s": statistics.fmean(latencies),
            "api_calls_per_commit": calls / COMMITS,
        }
