"""S4 and S4W: from a pushed commit, announced by a requestedAt or a GitHub webhook, to the changed ConfigMap."""

from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
import yaml

from bench.cluster import FIELD_MANAGER, Predicate, is_ready, wait_object
from bench.manifests import SOURCE_API, configmap, git_repository, github_receiver, kustomization, token_secret
from bench.repo import Repository
from bench.scenarios.base import Metrics, RunContext, Scenario, Stopwatch, register
from bench.scenarios.kustomize import request_reconcile
from bench.webhook import push_payload, signed_headers
from reflow.api.meta import ObjectRef

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


Trigger = Callable[[str, str], Awaitable[None]]
"""Announces a pushed commit to the side: (the commit before, the new commit)."""


@register
class PushToApplied(Scenario):
    """S4: 20 commits in a row, each followed by a requestedAt on the GitRepository; p50 and p95 latency."""

    id = "S4"
    title = f"push-to-applied: {COMMITS} commits, requestedAt on the GitRepository"
    metrics = ("p50_s", "p95_s", "api_calls_per_commit")

    async def trigger(self, ctx: RunContext, clone_url: str) -> Trigger:
        """How a pushed commit reaches the side: here, a requestedAt on the GitRepository."""

        async def request(before: str, after: str) -> None:
            await request_reconcile(ctx, SOURCE_API, "GitRepository", "bench")

        return request

    async def run(self, ctx: RunContext) -> Metrics:
        """Each commit timed from the end of its push to the ConfigMap holding the new value."""
        repository = Repository(ctx.git.root, f"push-{ctx.namespace}")
        before = repository.commit(_tree("initial"), "initial")
        clone_url = ctx.git.url(repository.bare.name)
        source = git_repository("bench", ctx.namespace, clone_url)
        applier = kustomization("pushed", ctx.namespace, source="bench", path=PATH)
        await ctx.kube.apply(source, field_manager=FIELD_MANAGER)
        await ctx.kube.apply(applier, field_manager=FIELD_MANAGER)
        await wait_object(ctx.kube, applier, is_ready, timeout=120)
        announce = await self.trigger(ctx, clone_url)
        target = configmap("pushed", {}, ctx.namespace)
        latencies: list[float] = []
        whole = Stopwatch(ctx.audit)
        for number in range(COMMITS):
            value = f"commit-{number}-{time.time_ns()}"
            after = repository.commit(_tree(value), value)
            watch = Stopwatch(ctx.audit)
            await announce(before, after)
            await wait_object(ctx.kube, target, holds(value), timeout=120)
            latencies.append(watch.stop())
            before = after
        whole.stop()
        calls = (await ctx.calls(whole.start, whole.end)).total
        return {
            "p50_s": statistics.median(latencies),
            "p95_s": percentile(latencies, 0.95),
            "mean_s": statistics.fmean(latencies),
            "api_calls_per_commit": calls / COMMITS,
        }


@register
class PushWebhook(PushToApplied):
    """S4W: as S4, but each commit is announced by a signed GitHub push webhook to a Receiver."""

    id = "S4W"
    title = f"push-to-applied through a webhook: {COMMITS} commits, each a signed GitHub push to a Receiver"
    controllers = ("source", "kustomize", "notification")

    async def trigger(self, ctx: RunContext, clone_url: str) -> Trigger:
        """A `github` Receiver for the GitRepository, waited Ready; each commit is POSTed to its webhook path."""
        assert ctx.launch is not None
        token = secrets.token_hex(16)
        receiver = github_receiver("github", ctx.namespace, secret="webhook-token", source="bench")
        await ctx.kube.apply(token_secret("webhook-token", ctx.namespace, token), field_manager=FIELD_MANAGER)
        await ctx.kube.apply(receiver, field_manager=FIELD_MANAGER)
        await wait_object(ctx.kube, receiver, is_ready, timeout=120)
        path = (await ctx.kube.get(ObjectRef.of(receiver)))["status"]["webhookPath"]
        url = f"http://127.0.0.1:{ctx.launch.receiver_port}{path}"

        async def deliver(before: str, after: str) -> None:
            body = push_payload(branch="main", before=before, after=after, clone_url=clone_url)
            async with (
                aiohttp.ClientSession() as session,
                session.post(url, data=body, headers=signed_headers(body, token)) as response,
            ):
                if response.status != 200:
                    raise RuntimeError(f"the Receiver answered {response.status}: {await response.text()}")

        return deliver
