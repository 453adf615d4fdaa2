"""The scenario contract and registry: a scenario is a class with an id that runs once and returns numbers."""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from bench.audit import AuditLog, CallCount, Mark
from bench.processes import Controllers
from bench.repo import Repository
from bench.sides import Concurrency, Launch, Side
from reflow.dev.gitserver import GitHttpServer
from reflow.kube.client import Kube

Metrics = dict[str, float]
AUDIT_FLUSH = 1.0
"""Seconds to let the API server write the audit events of a window's last requests."""


@dataclass(kw_only=True)
class RunContext:
    """What one run of a scenario gets: the driver's client, a fresh namespace and, per side, its processes."""

    kube: Kube
    """The bench's own connection (user agent `reflow-bench`, not counted for either side)."""
    namespace: str
    git: GitHttpServer
    audit: AuditLog
    side: Side | None
    pids: list[int] = field(default_factory=list)
    """Root process ids of the side's controllers."""
    controllers: Controllers | None = None
    """The side's running controllers (to restart them, and to read their current pids and logs)."""
    launch: Launch | None = None
    """How the side's processes were started (their run folder, concurrency, the Receivers' port)."""
    minutes: float = 30.0
    """How long a scenario that runs for a while (the soak) runs."""
    repositories: dict[str, Repository] = field(default_factory=dict)
    """Shared across runs: the same repository content for every side."""

    def repository(self, name: str, fill: Callable[[Repository], None]) -> Repository:
        """The named repository, created and filled by `fill` the first time it is asked for."""
        if name not in self.repositories:
            repository = Repository(self.git.root, name)
            fill(repository)
            self.repositories[name] = repository
        return self.repositories[name]

    async def calls(self, start: Mark, end: Mark) -> CallCount:
        """API calls of this run's side between two audit marks, read once the audit log has caught up."""
        assert self.side is not None, "API calls are counted per side"
        await asyncio.sleep(AUDIT_FLUSH)
        return await asyncio.to_thread(self.audit.count, start, end, self.side.agents)


def call_metrics(calls: CallCount) -> Metrics:
    """The audit counts as numbers: total, writes, dry-runs, and one `verb_<verb>` per verb (JSON only)."""
    per_verb = {f"verb_{verb}": float(count) for verb, count in sorted(calls.by_verb.items())}
    return {"api_calls": calls.total, "api_writes": calls.writes, "api_dry_runs": calls.dry_runs, **per_verb}


class Stopwatch:
    """Wall-clock seconds and audit marks around a measured step."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self.start = audit.mark()
        self._started = time.perf_counter()
        self.seconds = 0.0
        self.end = self.start

    def stop(self) -> float:
        """Stop the clock; returns the elapsed seconds."""
        self.seconds = time.perf_counter() - self._started
        self.end = self.audit.mark()
        return self.seconds


class Scenario(ABC):
    """One benchmark. `procedure` names what is run: scenarios sharing it share one run per side and repetition."""

    id: ClassVar[str]
    title: ClassVar[str]
    metrics: ClassVar[tuple[str, ...]]
    """The numbers this scenario reports, the first being the one its ratio is about."""
    per_side: ClassVar[bool] = True
    """False: it measures the plane, not a side (S0)."""
    pods: ClassVar[int] = 0
    """Pods it makes run at once (the plane gets a kwok node per 110, plus one)."""
    timeout: ClassVar[float] = 600.0
    """Seconds one run may take before it counts as failed."""
    by_default: ClassVar[bool] = True
    """False: runs only when named in `--scenarios` (the soak)."""
    controllers: ClassVar[tuple[str, ...]] = ("source", "kustomize")
    """The controllers each side runs for it (short names, as `reflow controllers --controllers` takes them)."""
    baseline: ClassVar[str] = "flux"
    """The side reflow is compared with: `flux`, or `helm` (the Helm CLI, where Flux's controller cannot be built)."""
    concurrency: ClassVar[Concurrency] = Concurrency()
    """Reconciles in parallel per controller, given to both sides (Flux's defaults unless the scenario says)."""
    sized: ClassVar[bool] = False
    """True: it runs once per size N given on the command line (`--s7-sizes`), each a scenario of its own."""

    def __init__(self, size: int = 0) -> None:
        self.size = size
        """The amount of work N of a sized scenario; 0 for the others."""

    @property
    def name(self) -> str:
        """How the table and the JSON name it: its id, with its size when it has one."""
        return f"{self.id} N={self.size}" if self.size else self.id

    @property
    def procedure(self) -> str:
        """The id of the run that produces this scenario's numbers (its own, unless shared)."""
        return f"{self.id}-{self.size}" if self.size else self.id

    def time_limit(self, ctx: RunContext) -> float:
        """Seconds this run may take (`timeout`, unless the run's length depends on the context)."""
        return self.timeout

    @abstractmethod
    async def run(self, ctx: RunContext) -> Metrics:
        """Set up in `ctx.namespace`, measure, and return every number (a superset of `metrics`)."""


SCENARIOS: dict[str, type[Scenario]] = {}


def register(cls: type[Scenario]) -> type[Scenario]:
    """Add a scenario class to the registry under its id."""
    SCENARIOS[cls.id] = cls
    return cls
