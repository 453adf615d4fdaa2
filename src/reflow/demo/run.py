"""`reflow demo`: the whole GitOps loop on the local plane — git server, controllers, a commit reconciled.

`Demo.start` brings the parts up one at a time and takes them down in the reverse order on exit, whatever
happened: the objects it created (only on a plane it did not start), the controllers, the client, the git
server, the plane (unless kept) and the temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, Protocol, TypeVar

import yaml

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import READY, condition, condition_true
from reflow.api.crds import KINDS, crd
from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.source import GitRepository
from reflow.controllers import registry
from reflow.controllers.options import ControllerOptions
from reflow.demo.repository import DemoRepository, revision
from reflow.dev.gitserver import GitHttpServer, serve_git_http
from reflow.dev.plane import LocalPlane, PlaneState, PlaneStatus
from reflow.engines.artifact import StorageSettings
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.options import ConnectionOptions
from reflow.kube.wait import observe, wait_deleted, wait_for
from reflow.runtime import logs
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

P = ParamSpec("P")
T = TypeVar("T")

NAMESPACE = "flux-system"
NAME = "greeter"
PATH = "./production"
CONFIG_FILE = "base/configmap.yaml"
FIELD_MANAGER = "reflow-demo"
GIT_REPOSITORY = ObjectRef(GitRepository.KIND.api_version, GitRepository.KIND.kind, NAME, NAMESPACE)
KUSTOMIZATION = ObjectRef(Kustomization.KIND.api_version, Kustomization.KIND.kind, NAME, NAMESPACE)
CONFIGMAP = ObjectRef("v1", "ConfigMap", "greeter-config", "greeter")
DEPLOYMENT = ObjectRef("apps/v1", "Deployment", "greeter", "greeter")


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoOptions:
    """How `reflow demo` runs."""

    keep_plane: bool = False
    """Leave the plane (and what the demo applied) up at the end, for exploring with kubectl."""
    timeout: float = 300.0
    """Seconds each wait may take (plane start, CRDs, first reconcile, the change); generous for cold caches."""


class Report(Protocol):
    """Where the demo tells what it is doing: the CLI shows it with rich."""

    def step(self, message: str) -> None:
        """A stage begins or moves on (the live status line)."""

    def done(self, message: str) -> None:
        """A stage finished."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Applied:
    """A commit that reached the cluster, and how long that took."""

    commit: str
    greeting: str
    seconds: float
    """From the commit (before push) to the ConfigMap holding the new greeting, measured on this host."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One line of the live status view."""

    ref: ObjectRef
    ready: str
    message: str
    revision: str
    objects: int | None


def ready_condition(obj: Manifest | None) -> tuple[str, str]:
    """The Ready condition's status and message (`Unknown` and "" when there is none yet)."""
    found = condition(obj, READY) or {}
    return str(found.get("status") or "Unknown"), str(found.get("message") or "")


def row(ref: ObjectRef, obj: Manifest | None) -> Row:
    """What the live view shows of a GitRepository or a Kustomization."""
    status = (obj or {}).get("status") or {}
    state, message = ready_condition(obj)
    if ref.kind == "Kustomization":
        entries = (status.get("inventory") or {}).get("entries")
        return Row(ref=ref, ready=state, message=message, revision=status.get("lastAppliedRevision") or "",
                   objects=len(entries) if entries is not None else None)  # fmt: skip
    artifact = status.get("artifact") or {}
    return Row(ref=ref, ready=state, message=message, revision=artifact.get("revision") or "", objects=None)


def applied(obj: Manifest | None, wanted: str) -> bool:
    """Ready=True for the current generation, having applied (or fetched) the wanted revision."""
    if obj is None:
        return False
    status = obj.get("status") or {}
    if int(status.get("observedGeneration") or -1) < int(obj["metadata"].get("generation") or 0):
        return False
    have = status.get("lastAppliedRevision") or (status.get("artifact") or {}).get("revision")
    return have == wanted and ready_condition(obj)[0] == "True"


def available(obj: Manifest | None) -> bool:
    """A Deployment whose Available condition is True."""
    return condition_true(obj, "Available")


def established(obj: Manifest | None) -> bool:
    """A CRD the API server serves."""
    return condition_true(obj, "Established")


def git_repository(url: str) -> Manifest:
    """The demo's GitRepository: `main` of the example repository, fetched when asked (or every 10 min)."""
    return {
        "apiVersion": GIT_REPOSITORY.api_version,
        "kind": GIT_REPOSITORY.kind,
        "metadata": {"name": NAME, "namespace": NAMESPACE},
        "spec": {"url": url, "ref": {"branch": "main"}, "interval": "10m", "timeout": "60s"},
    }


def kustomization() -> Manifest:
    """The demo's Kustomization: the production overlay, pruned, waiting for every object to be ready."""
    return {
        "apiVersion": KUSTOMIZATION.api_version,
        "kind": KUSTOMIZATION.kind,
        "metadata": {"name": NAME, "namespace": NAMESPACE},
        "spec": {
            "interval": "10m",
            "path": PATH,
            "prune": True,
            "wait": True,
            "timeout": "3m",
            "sourceRef": {"kind": "GitRepository", "name": NAME},
        },
    }


def new_greeting(config: str, greeting: str) -> str:
    """The ConfigMap file with its GREETING replaced."""
    manifest = yaml.safe_load(config)
    manifest["data"]["GREETING"] = greeting
    return yaml.safe_dump(manifest, sort_keys=False)


class Demo:
    """The running parts of the demo; made by `Demo.start`, which also takes them down."""

    def __init__(self, *, plane: LocalPlane, plane_status: PlaneStatus, workdir: Path, kube: Kube,
                 server: GitHttpServer, repo: DemoRepository, manager: Manager, timeout: float) -> None:  # fmt: skip
        self.plane = plane
        self.plane_status = plane_status
        self.workdir = workdir
        self.kube = kube
        self.server = server
        self.repo = repo
        self.manager = manager
        self.timeout = timeout
        self.commit = ""

    @classmethod
    @asynccontextmanager
    async def start(cls, options: DemoOptions, report: Report) -> AsyncIterator[Demo]:
        """Plane, git server with the example repository, CRDs, controllers, GitRepository and Kustomization."""
        async with AsyncExitStack() as stack:
            workdir = Path(tempfile.mkdtemp(prefix="reflow-demo-"))
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)

            plane = LocalPlane.for_user()
            report.step(f"starting the local plane {plane.name} (etcd, kube-apiserver, kwok)")
            started = time.monotonic()
            before = await asyncio.to_thread(plane.status)
            if before.state is PlaneState.ABSENT and not options.keep_plane:
                stack.push_async_callback(_remove_plane, plane, report)
            status = await _to_thread_to_the_end(plane.up, nodes=1)
            verb = "reused" if status.reused else "ready"
            report.done(f"plane {plane.name} {verb} in {time.monotonic() - started:.1f} s at {status.server}")

            report.step("starting the git server and committing the example application")
            (workdir / "git").mkdir()
            server = await stack.enter_async_context(serve_git_http(GitHttpServer(root=workdir / "git")))
            repo = await DemoRepository.create(workdir / "git", workdir / "work")
            report.done(f"git server at {server.url('')} serves greeter.git (production, staging, base)")

            connection = ConnectionOptions(kubeconfig=str(plane.kubeconfig), user_agent=FIELD_MANAGER)
            kube = await stack.enter_async_context(connect(connection))
            await _install_crds(kube, report, options.timeout)

            log_file = stack.enter_context((workdir / "controllers.log").open("a", encoding="utf-8"))
            logs.configure("info", "json", stream=log_file)
            stack.callback(logging.getLogger("reflow").handlers.clear)
            manager = await stack.enter_async_context(_controllers(kube, workdir, report))

            demo = cls(plane=plane, plane_status=status, workdir=workdir, kube=kube, server=server, repo=repo,
                       manager=manager, timeout=options.timeout)  # fmt: skip
            if before.state is not PlaneState.ABSENT and not options.keep_plane:
                stack.push_async_callback(demo._delete_objects, report)
            await demo._create_objects(report)
            yield demo
            report.step("cleaning up")

    async def _create_objects(self, report: Report) -> None:
        await self.kube.apply(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}, field_manager=FIELD_MANAGER
        )
        for manifest in (git_repository(self.server.url(self.repo.bare.name)), kustomization()):
            await self.kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
        self.commit = await self.repo.head()
        report.done(f"created {GIT_REPOSITORY} and {KUSTOMIZATION} (path {PATH}, prune, wait)")

    async def _delete_objects(self, report: Report) -> None:
        """On a plane the demo did not start: delete its Kustomization (pruning the app), then its source."""
        report.step("deleting the demo's Kustomization (prunes greeter) and GitRepository")
        for ref in (KUSTOMIZATION, GIT_REPOSITORY):
            with contextlib.suppress(NotFound):
                await self.kube.delete(ref)
            await wait_deleted(self.kube, ref, timeout=self.timeout)
        report.done("the demo's objects are deleted; the plane stays up as it was")

    async def wait_ready(self, report: Report) -> Manifest:
        """Wait, by watching, until the Kustomization applied the first commit and the Deployment is Available."""
        wanted = revision(self.commit)

        def progress(obj: Manifest | None) -> bool:
            _, message = ready_condition(obj)
            report.step(f"reconciling {KUSTOMIZATION}: {message or 'waiting for the controller'}")
            return applied(obj, wanted)

        started = time.monotonic()
        ks = await wait_for(self.kube, KUSTOMIZATION, progress, timeout=self.timeout, what=f"Ready at {wanted}")
        deployment = await wait_for(self.kube, DEPLOYMENT, available, timeout=self.timeout, what="Available")
        replicas = ((deployment or {}).get("status") or {}).get("availableReplicas", 0)
        report.done(f"{KUSTOMIZATION} Ready at {wanted} in {time.monotonic() - started:.1f} s; "
                    f"{DEPLOYMENT} Available ({replicas} replicas)")  # fmt: skip
        assert ks is not None
        return ks

    async def change_greeting(self, report: Report) -> Applied:
        """Commit a new greeting, trigger the GitRepository as a Receiver would, and time it until applied."""
        greeting = f"Hello again from reflow ({time.strftime('%H:%M:%S')})"
        report.step(f"committing a new greeting: {greeting!r}")
        started = time.monotonic()
        self.commit = await self.repo.commit(
            {CONFIG_FILE: new_greeting(self.repo.read(CONFIG_FILE), greeting)}, "greeter: a new greeting"
        )
        await self.kube.patch(
            GIT_REPOSITORY, {"metadata": {"annotations": {REQUESTED_AT: str(time.time_ns())}}},
            field_manager=FIELD_MANAGER,
        )  # fmt: skip
        report.step(f"commit {self.commit[:7]} pushed; {GIT_REPOSITORY} asked to fetch; watching {CONFIGMAP}")

        def changed(obj: Manifest | None) -> bool:
            return ((obj or {}).get("data") or {}).get("GREETING") == greeting

        await wait_for(self.kube, CONFIGMAP, changed, timeout=self.timeout, what=f"holding {greeting!r}")
        seconds = time.monotonic() - started
        wanted = revision(self.commit)
        await wait_for(self.kube, KUSTOMIZATION, lambda ks: applied(ks, wanted), timeout=self.timeout, what="Ready")
        report.done(f"commit {self.commit[:7]} applied: {CONFIGMAP} says {greeting!r}")
        return Applied(commit=self.commit, greeting=greeting, seconds=seconds)

    async def follow(self, show: Callable[[Sequence[Row]], None], stop: asyncio.Event) -> None:
        """Call `show` with fresh rows whenever the GitRepository or the Kustomization changes, until `stop`."""
        latest: dict[ObjectRef, Manifest | None] = {GIT_REPOSITORY: None, KUSTOMIZATION: None}

        async def track(ref: ObjectRef) -> None:
            async with aclosing(observe(self.kube, ref)) as states:
                async for state in states:
                    latest[ref] = state
                    show([row(key, obj) for key, obj in latest.items()])

        async with asyncio.TaskGroup() as group:
            tracking = [group.create_task(track(ref)) for ref in latest]
            await stop.wait()
            for task in tracking:
                task.cancel()


async def _install_crds(kube: Kube, report: Report, timeout: float) -> None:
    report.step(f"installing reflow's {len(KINDS)} CRDs")
    manifests = [crd(model) for model in KINDS]
    for manifest in manifests:
        await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
    async with asyncio.TaskGroup() as group:
        for manifest in manifests:
            group.create_task(wait_for(kube, ObjectRef.of(manifest), established, timeout=timeout, what="Established"))
    report.done(f"{len(manifests)} CRDs Established")


@asynccontextmanager
async def _controllers(kube: Kube, workdir: Path, report: Report) -> AsyncIterator[Manager]:
    """Every controller reflow has, in this process; stopped (workers, informers, servers) on exit."""
    names = registry.available()
    report.step(f"starting {', '.join(names)}")
    settings = RuntimeSettings(runtime_namespace=NAMESPACE, metrics_addr="127.0.0.1:0", health_addr="127.0.0.1:0")
    storage = StorageSettings(storage_path=workdir / "artifacts", storage_addr="127.0.0.1:0")
    # The demo builds only the application reflow ships, so a machine without bubblewrap may build it unconfined.
    options = ControllerOptions(storage=storage, allow_unconfined_builds=True)
    manager = Manager(kube, settings)
    for name in names:
        registry.setup(name)(manager, kube, settings, options)
    try:
        async with manager.running():
            report.done(f"{' and '.join(names)} running in this process (log: {workdir / 'controllers.log'})")
            yield manager
    finally:
        report.done("controllers stopped")


async def _to_thread_to_the_end(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking work in a thread; when cancelled meanwhile, still wait for the thread to finish, then re-raise.

    So that a plane being created when Ctrl-C comes is complete, and removed whole, before the demo exits.
    """
    running = asyncio.ensure_future(asyncio.to_thread(work, *args, **kwargs))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait({running})
        raise


async def _remove_plane(plane: LocalPlane, report: Report) -> None:
    report.step(f"removing plane {plane.name}")
    await asyncio.to_thread(plane.down)
    report.done(f"plane {plane.name} removed; no process and no state left")
