"""soak: 300 Kustomizations every minute, a commit every 10 s, a controller restart every 10 minutes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from pathlib import Path
from typing import ClassVar

import yaml

from bench.cluster import FIELD_MANAGER, Predicate, is_ready, wait_all, wait_object
from bench.manifests import KUSTOMIZE_API, configmap, git_repository, kustomization
from bench.memory import tree_fds, tree_rss, tree_threads
from bench.repo import Repository
from bench.scenarios.base import Metrics, RunContext, Scenario, register
from reflow.api.meta import Manifest, ObjectRef

KUSTOMIZATIONS = 300
INTERVAL = "1m"
COMMIT_EVERY = 10.0
RESTART_EVERY = 600.0
SAMPLE_EVERY = 30.0
WARM_UP = 300.0
"""Seconds after which the RSS is the baseline (at most a third of the run)."""
CONVERGE = 300.0
"""Seconds the last commit may take to be applied after the soak ends."""


def _app(index: int) -> str:
    return f"soak-{index:03d}"


def _files(index: int, value: str) -> dict[str, str]:
    path = f"apps/{_app(index)}"
    return {
        f"{path}/configmap.yaml": yaml.safe_dump(configmap(_app(index), {"value": value})),
        f"{path}/kustomization.yaml": yaml.safe_dump({"resources": ["configmap.yaml"]}),
    }


def _every_minute(manifest: Manifest) -> Manifest:
    manifest["spec"]["interval"] = INTERVAL
    return manifest


def holds(value: str) -> Predicate:
    """The ConfigMap's `data.value` is `value`."""
    return lambda obj: (obj.get("data") or {}).get("value") == value


def error_lines(logs: Path) -> int:
    """JSON log lines at level error in the side's log files (Flux's and reflow's both write `level`)."""
    count = 0
    for file in logs.glob("*.log"):
        for line in file.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("level") == "error":
                count += 1
    return count


def growth_percent(samples: list[tuple[float, float]], warm_up: float) -> float:
    """RSS at the end against RSS just after warm-up (medians of three samples each), in percent."""
    settled = [rss for at, rss in samples if at >= warm_up] or [rss for _, rss in samples]
    first, last = statistics.median(settled[:3]), statistics.median(settled[-3:])
    return 100.0 * (last - first) / first if first else 0.0


async def _applied_last(ctx: RunContext, source: ObjectRef) -> int:
    """How many Kustomizations were seen Ready with the source's final revision applied within CONVERGE.

    They reconcile every minute, so at any one moment a few are in progress (Ready Unknown); each is
    counted once it has been seen Ready on the last revision.
    """
    final = ((await ctx.kube.get(source)).get("status") or {}).get("artifact", {}).get("revision")
    reached: set[str] = set()

    def on_final(obj: Manifest) -> bool:
        return is_ready(obj) and (obj.get("status") or {}).get("lastAppliedRevision") == final

    with contextlib.suppress(TimeoutError):
        await wait_all(ctx.kube, KUSTOMIZE_API, "Kustomization", ctx.namespace, on_final, count=KUSTOMIZATIONS,
                       timeout=CONVERGE, reached=reached)  # fmt: skip
    return len(reached)


@register
class Soak(Scenario):
    """soak: resource use over a long run with steady work, commits and restarts (`--minutes`, default 30)."""

    id = "soak"
    title = f"soak: {KUSTOMIZATIONS} Kustomizations every {INTERVAL}, a commit every 10 s, a restart every 10 min"
    metrics: ClassVar[tuple[str, ...]] = (
        "rss_growth_pct", "rss_end_mib", "fds_max", "threads_max", "api_calls_per_min", "errors",
        "missed_last_revision",
    )  # fmt: skip
    by_default = False

    def time_limit(self, ctx: RunContext) -> float:
        return ctx.minutes * 60 + 1200.0

    async def run(self, ctx: RunContext) -> Metrics:
        """Set up and converge, then run the steady work for `--minutes`, sampling every 30 s."""
        assert ctx.controllers is not None, "the soak needs a side's controllers"
        controllers = ctx.controllers
        repository = Repository(ctx.git.root, f"soak-{ctx.namespace}")
        files: dict[str, str] = {}
        for index in range(KUSTOMIZATIONS):
            files.update(_files(index, "initial"))
        repository.commit(files, f"{KUSTOMIZATIONS} apps")
        source = _every_minute(git_repository("bench", ctx.namespace, ctx.git.url(repository.bare.name)))
        await ctx.kube.apply(source, field_manager=FIELD_MANAGER)
        for index in range(KUSTOMIZATIONS):
            applier = kustomization(_app(index), ctx.namespace, source="bench", path=f"apps/{_app(index)}")
            await ctx.kube.apply(_every_minute(applier), field_manager=FIELD_MANAGER)
        # Each counts once seen Ready: with 300 due every minute, a side whose sweep takes longer than the
        # interval always has a few in progress (Ready Unknown), so all 300 are never Ready at one moment.
        await wait_all(ctx.kube, KUSTOMIZE_API, "Kustomization", ctx.namespace, is_ready, count=KUSTOMIZATIONS,
                       timeout=900, reached=set())  # fmt: skip

        length = ctx.minutes * 60
        warm_up = min(WARM_UP, length / 3)
        started = time.monotonic()
        mark = ctx.audit.mark()
        rss: list[tuple[float, float]] = []
        fds: list[int] = []
        threads: list[int] = []
        commits = restarts = 0
        next_commit = next_sample = 0.0
        next_restart = RESTART_EVERY
        last: tuple[int, str] = (0, "initial")
        while (elapsed := time.monotonic() - started) < length:
            if elapsed >= next_restart:
                await controllers.restart()
                restarts += 1
                next_restart += RESTART_EVERY
            if elapsed >= next_commit:
                index = commits % KUSTOMIZATIONS
                last = (index, f"commit-{commits}")
                await asyncio.to_thread(repository.commit, _files(index, last[1]), last[1])
                commits += 1
                next_commit += COMMIT_EVERY
            if elapsed >= next_sample:
                pids = controllers.pids
                rss.append((elapsed, tree_rss(pids) / 2**20))
                fds.append(tree_fds(pids))
                threads.append(tree_threads(pids))
                next_sample += SAMPLE_EVERY
            await asyncio.sleep(max(0.0, min(next_commit, next_sample, next_restart) - (time.monotonic() - started)))
        end = ctx.audit.mark()
        index, value = last
        await wait_object(ctx.kube, configmap(_app(index), {}, ctx.namespace), holds(value), timeout=CONVERGE)
        calls = await ctx.calls(mark, end)
        applied_last = await _applied_last(ctx, ObjectRef.of(source))
        series = {f"rss_mib_at_{int(at)}s": mib for at, mib in rss}
        return {
            "rss_growth_pct": growth_percent(rss, warm_up),
            "rss_end_mib": rss[-1][1],
            "rss_max_mib": max(mib for _, mib in rss),
            "fds_max": float(max(fds)),
            "threads_max": float(max(threads)),
            "api_calls_per_min": calls.total / ctx.minutes,
            "errors": float(error_lines(controllers.logs)),
            "missed_last_revision": float(KUSTOMIZATIONS - applied_last),
            "commits": float(commits),
            "restarts": float(restarts),
            **series,
        }
