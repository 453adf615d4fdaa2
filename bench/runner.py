"""Runs the chosen scenarios on one plane: each side in turn on fresh namespaces, alternating the order."""

from __future__ import annotations

import asyncio
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.audit import AuditLog
from bench.cluster import create_namespace, install_crds, remove_namespace
from bench.flux import FLUX_CONTROLLER_VERSION, NOTIFICATION_CONTROLLER_VERSION, ensure_flux
from bench.processes import Controllers, free_port
from bench.repo import Repository
from bench.report import PLANE, Measurement, Report
from bench.scenarios import SCENARIOS, RunContext, Scenario
from bench.sides import FluxSide, HelmFloorSide, Launch, ReflowSide, Side
from reflow.dev.gitserver import GitHttpServer, serve_git_http
from reflow.dev.plane import LocalPlane, PlaneError
from reflow.dev.versions import HELM_VERSION
from reflow.kube.client import Kube, connect
from reflow.kube.options import ConnectionOptions

DRIVER_AGENT = "reflow-bench"
PODS_PER_NODE = 110
SETTLE = 2.0
"""Seconds between a side's readiness and the scenario: its informers finish their first lists."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """What `python -m bench` was asked to do."""

    scenarios: tuple[str, ...]
    sides: tuple[str, ...]
    repetitions: int
    reflow_command: str
    workdir: Path | None = None
    minutes: float = 30.0
    """Length of the soak."""
    sizes: tuple[int, ...] = (100, 500, 1000)
    """The sizes N a sized scenario (S7) runs at."""


def instances(options: Options) -> list[Scenario]:
    """The scenarios asked for, a sized one once per size."""
    return [
        SCENARIOS[name](size)
        for name in options.scenarios
        for size in (options.sizes if SCENARIOS[name].sized else (0,))
    ]


def nodes_for(scenarios: list[Scenario]) -> int:
    """One kwok node per 110 Pods the largest scenario runs, plus one spare (S3: 3)."""
    pods = max((scenario.pods for scenario in scenarios), default=0)
    return math.ceil(pods / PODS_PER_NODE) + 1 if pods else 1


def log(message: str) -> None:
    """Progress on stderr, so that stdout holds the table."""
    print(message, file=sys.stderr, flush=True)


class Runner:
    """Owns the plane, the git server, the driver's connection and the side whose CRDs are installed."""

    def __init__(self, options: Options, workdir: Path, plane: LocalPlane, git: GitHttpServer, kube: Kube) -> None:
        self.options = options
        self.workdir = workdir
        self.plane = plane
        self.git = git
        self.kube = kube
        self.audit = AuditLog(plane.audit_log)
        self.installed: tuple[str, tuple[str, ...]] | None = None
        """The side and controllers whose CRDs are installed."""
        self.repositories: dict[str, Repository] = {}
        self.done: dict[tuple[str, str, int], Measurement] = {}

    def context(self, namespace: str, side: Side | None) -> RunContext:
        """A run's context; repositories are shared by every run."""
        return RunContext(
            kube=self.kube,
            namespace=namespace,
            git=self.git,
            audit=self.audit,
            side=side,
            repositories=self.repositories,
            minutes=self.options.minutes,
        )

    async def measure(self, scenario: Scenario, side: Side | None, repetition: int) -> Measurement:
        """One run of the scenario's procedure (reused when another scenario already ran it)."""
        side_name = side.name if side else PLANE
        key = (scenario.procedure, side_name, repetition)
        if key in self.done:
            return self.done[key]
        namespace = f"bench-{scenario.procedure.lower()}-{side_name}-{repetition}-{secrets.token_hex(2)}"
        label = f"[{scenario.procedure} {side_name} #{repetition + 1}]"
        log(f"{label} namespace {namespace}")
        started, load = time.monotonic(), os.getloadavg()[0]
        try:
            metrics = {**await self._run(scenario, side, namespace), "load_1m_start": load}
            metrics["load_1m_end"] = os.getloadavg()[0]
            measurement = Measurement(
                scenario=scenario.procedure, side=side_name, repetition=repetition, metrics=metrics
            )
            shown = " ".join(f"{k}={v:.4g}" for k, v in metrics.items())
            log(f"{label} {shown} ({time.monotonic() - started:.0f} s with setup)")
        except Exception as error:  # one failed run is reported, the others still run
            text = f"{type(error).__name__}: {error}"
            measurement = Measurement(scenario=scenario.procedure, side=side_name, repetition=repetition, error=text)
            log(f"{label} FAILED {text}")
        self.done[key] = measurement
        return measurement

    async def _run(self, scenario: Scenario, side: Side | None, namespace: str) -> dict[str, float]:
        ctx = self.context(namespace, side)
        if side is None:
            await create_namespace(self.kube, namespace)
            try:
                async with asyncio.timeout(scenario.time_limit(ctx)):
                    return await scenario.run(ctx)
            finally:
                await remove_namespace(self.kube, namespace)
        wanted = (side.name, scenario.controllers)
        if self.installed != wanted and side.crds(scenario.controllers):
            await install_crds(self.plane, self.kube, side.crds(scenario.controllers))
            self.installed = wanted
        await create_namespace(self.kube, namespace)
        launch = Launch(
            kubeconfig=self.plane.kubeconfig,
            workdir=self.workdir / "runs" / namespace,
            concurrency=scenario.concurrency,
            controllers=scenario.controllers,
            receiver_port=free_port(),
        )
        try:
            async with Controllers(side.processes(launch), launch.workdir / "logs") as controllers:
                ctx.pids = controllers.pids
                ctx.controllers = controllers
                ctx.launch = launch
                await asyncio.sleep(SETTLE)
                async with asyncio.timeout(scenario.time_limit(ctx)):
                    return await scenario.run(ctx)
        finally:
            await remove_namespace(self.kube, namespace)

    async def run(self, scenarios: list[Scenario], sides: list[Side]) -> None:
        """Every scenario, each repetition, its baseline and reflow; odd repetitions run them in reverse order."""
        for scenario in scenarios:
            compared = [side for side in sides if side.name in (scenario.baseline, "reflow")]
            for repetition in range(self.options.repetitions):
                if not scenario.per_side:
                    await self.measure(scenario, None, repetition)
                    continue
                order = compared if repetition % 2 == 0 else list(reversed(compared))
                for side in order:
                    await self.measure(scenario, side, repetition)


def make_sides(options: Options) -> list[Side]:
    """The sides asked for, in the order flux, helm, reflow."""
    chosen: list[Side] = []
    if "flux" in options.sides:
        chosen.append(FluxSide())
    if "helm" in options.sides:
        chosen.append(HelmFloorSide())
    if "reflow" in options.sides:
        chosen.append(ReflowSide(options.reflow_command))
    return chosen


async def bench(options: Options) -> Report:
    """Build what is missing, bring up the plane and the git server, run, tear down; returns the report."""
    scenarios = instances(options)
    sides = make_sides(options)
    report = Report(scenarios=scenarios, sides=[side.name for side in sides])
    if any(s.per_side and s.baseline == "flux" for s in scenarios) and any(side.name == "flux" for side in sides):
        log(f"Flux controllers {FLUX_CONTROLLER_VERSION}: building unless cached")
        await asyncio.to_thread(ensure_flux)
    for side in sides:
        reason = side.unavailable()
        if reason:
            report.unavailable[side.name] = reason
            log(f"{side.name}: not available — {reason}")
    available = [side for side in sides if side.name not in report.unavailable]
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="reflow-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report.environment = _environment(workdir)
    plane = LocalPlane.for_tests(workdir / "kwok", purpose="bench")
    nodes = nodes_for(scenarios)
    log(f"plane {plane.name}: up with {nodes} kwok node(s), audit on (work folder {workdir})")
    try:
        await up(plane, nodes)
        (workdir / "git").mkdir(exist_ok=True)
        async with serve_git_http(GitHttpServer(root=workdir / "git")) as git:
            connection = ConnectionOptions(kubeconfig=str(plane.kubeconfig), user_agent=DRIVER_AGENT, qps=0)
            async with connect(connection) as kube:
                report.environment["kubernetes"] = await kube.server_version()
                runner = Runner(options, workdir, plane, git, kube)
                await runner.run(scenarios, available)
                report.measurements = list(runner.done.values())
        report.environment["load_average_at_end"] = " ".join(f"{value:.2f}" for value in os.getloadavg())
    finally:
        await asyncio.to_thread(plane.down)
        shutil.rmtree(workdir / "git", ignore_errors=True)
        shutil.rmtree(workdir / "kwok", ignore_errors=True)
    return report


async def up(plane: LocalPlane, nodes: int) -> None:
    """Bring the plane up; once more from scratch if its nodes were slow (seen while Go builds load the machine)."""
    try:
        await asyncio.to_thread(plane.up, nodes=nodes, audit=True)
    except PlaneError as error:
        log(f"plane did not come up ({error}); removing it and trying once more")
        await asyncio.to_thread(plane.down)
        await asyncio.to_thread(plane.up, nodes=nodes, audit=True)


def _environment(workdir: Path) -> dict[str, str]:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "cpus": cpus,
        "load_average_at_start": load,
        "python": sys.version.split()[0],
        "flux": FLUX_CONTROLLER_VERSION,
        "flux_notification": NOTIFICATION_CONTROLLER_VERSION,
        "helm": HELM_VERSION,
        "workdir": str(workdir),
    }
