"""The helm CLI as an async subprocess: one private folder per call for HOME, the kubeconfig and the values.

The kubeconfig and values files are written 0600 in a 0700 folder removed afterwards; argv carries
names, paths and flags only. The environment is built from scratch (HOME and Helm's folders point into
the call's folder), so nothing of the controller's environment, repositories or plugins leaks in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reflow.engines.helm.postrender import PLUGIN, PostRender, install_plugin
from reflow.kube.privatefile import write_private

_STDERR_LIMIT = 4000
KILL_GRACE = 5.0
"""Seconds helm gets after SIGTERM to record a failed release before it is killed."""


class HelmFailed(Exception):
    """helm exited with an error; the message is Helm's own words."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


STORAGE_NAMESPACE_VARIABLE = "REFLOW_HELM_STORAGE_NAMESPACE"
"""Where reflow's helm build (`reflow/dev/helm.go`) keeps the release records, when not in the release's namespace."""
STORAGE_NAMESPACE_FEATURE = "storage-namespace"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Where helm acts: the kubeconfig (connection and identity; empty for `helm template`), the release
    namespace, and the namespace of its records (Helm's storage; the release namespace when None)."""

    kubeconfig: str
    namespace: str
    storage_namespace: str | None = None

    @property
    def storage(self) -> str:
        """The namespace of the release records."""
        return self.storage_namespace or self.namespace


@dataclass(frozen=True, slots=True, kw_only=True)
class Finished:
    """A helm call that succeeded, and how long it took (seconds, process start included)."""

    stdout: str
    took: float


def helm_error(stderr: bytes, code: int) -> str:
    """Helm's error message without its `Error: ` prefix and the usage noise."""
    text = stderr.decode(errors="replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    errors = [
        line.removeprefix("Error: ").removeprefix("ERROR: ") for line in lines if line.startswith(("Error", "ERROR"))
    ]
    message = "; ".join(errors) if errors else " ".join(lines[-5:])
    return (message or f"helm exited with code {code}")[:_STDERR_LIMIT]


class Helm:
    """Runs one helm binary."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.spawned = 0
        """Processes started, for tests and measurements."""
        self._features: frozenset[str] | None = None

    async def separates_storage(self) -> bool:
        """Whether this helm can keep release records apart from the release (reflow's build; stock helm cannot).
        Asked once: `helm reflow-features`, which stock helm refuses as an unknown command."""
        if self._features is None:
            try:
                done = await self._exec([str(self.binary), "reflow-features"], {"HOME": "/nonexistent"}, Path("/"), 30)
                self._features = frozenset(done.stdout.split())
            except (HelmFailed, OSError):
                self._features = frozenset()
        return STORAGE_NAMESPACE_FEATURE in self._features

    async def run(
        self,
        args: Sequence[str],
        target: Target,
        *,
        values: Mapping[str, Any] | None = None,
        post_render: PostRender | None = None,
        timeout: float,
    ) -> Finished:
        """`helm <args>` against `target`, with `values` passed as a file (`--values`) and `post_render`
        done by a post-render plugin; raises HelmFailed."""
        storage = await self._storage_environment(target)
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-helm-"))
        try:
            command = [str(self.binary), *args, "--namespace", target.namespace]
            if target.kubeconfig:
                kubeconfig = await asyncio.to_thread(write_private, folder / "kubeconfig", target.kubeconfig)
                command += ["--kubeconfig", str(kubeconfig)]
            if values is not None:
                path = await asyncio.to_thread(write_private, folder / "values.yaml", json.dumps(values))
                command += ["--values", str(path)]
            plugins = folder / "plugins"
            if post_render:
                await asyncio.to_thread(install_plugin, plugins, post_render)
                command += ["--post-renderer", PLUGIN]
            env = {
                **storage,
                "HOME": str(folder),
                "HELM_CACHE_HOME": str(folder / "cache"),
                "HELM_CONFIG_HOME": str(folder / "config"),
                "HELM_DATA_HOME": str(folder / "data"),
                "HELM_DRIVER": "secret",
                "HELM_PLUGINS": str(plugins),
                "NO_COLOR": "1",
            }
            return await self._exec(command, env, folder, timeout)
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)

    async def _storage_environment(self, target: Target) -> dict[str, str]:
        """The variable that sets the records apart, when they are; refused when this helm would ignore it."""
        if target.storage == target.namespace:
            return {}
        if not await self.separates_storage():
            raise HelmFailed(f"{self.binary} cannot keep release records in another namespace ({target.storage}) "
                             "than the release's: it is not reflow's helm build")  # fmt: skip
        return {STORAGE_NAMESPACE_VARIABLE: target.storage}

    async def _exec(self, command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Finished:
        started = time.monotonic()
        self.spawned += 1
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(timeout):
                stdout, stderr = await process.communicate()
        except (TimeoutError, asyncio.CancelledError) as error:
            await self._stop(process)
            if isinstance(error, TimeoutError):
                raise HelmFailed(f"helm did not finish within {timeout:g}s", timed_out=True) from None
            raise
        if process.returncode != 0:
            raise HelmFailed(helm_error(stderr, process.returncode or 1))
        return Finished(stdout=stdout.decode(errors="replace"), took=time.monotonic() - started)

    @staticmethod
    async def _stop(process: asyncio.subprocess.Process) -> None:
        """SIGTERM, so helm can record the release as failed, then SIGKILL after a grace period."""
        if process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(KILL_GRACE):
                await process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
