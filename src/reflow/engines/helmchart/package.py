"""Package a chart folder with the real helm (`helm package`), in a clean environment.

helm runs with nothing of the controller's environment: its HOME, config, cache and data folders are an
empty scratch folder, there is no proxy setting and no credential, and it is given only the folder to
package. `helm package` without `--dependency-update` needs no connection, and in bubblewrap it has none;
dependencies are put into `charts/` before (see `dependencies.py`), and helm refuses a chart whose
declared dependencies are missing there. What it reads is a private copy made without following links
(see `tree.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reflow.engines.helmchart.errors import ChartPackageError

log = logging.getLogger(__name__)

PACKAGE_TIMEOUT = 120.0
"""Seconds one `helm package` may take."""
STDERR_SHOWN = 2000


def helm_path() -> Path | None:
    """helm beside this Python (a packaged install), else the first on PATH; None when there is none."""
    beside = Path(sysconfig.get_path("scripts")) / "helm"
    if beside.is_file():
        return beside
    found = shutil.which("helm")
    return Path(found) if found else None


class Packager:
    """Runs `helm package` with the helm binary at `helm`, in bubblewrap when it works here.

    In bubblewrap helm sees only the chart (read-only), the output folder and an empty /tmp, in new
    namespaces without network; `confined` tells, after the first package, whether that was so. Where
    bubblewrap cannot start, helm runs with the clean environment alone (it needs no network to package).
    """

    def __init__(self, helm: Path, *, bwrap: Path | None = None) -> None:
        self.helm = helm
        found = shutil.which("bwrap")
        self.bwrap = bwrap or (Path(found) if found else None)
        self.confined: bool | None = None
        self._lock = asyncio.Lock()

    async def package(self, chart: Path, version: str, *, max_size: int, timeout: float = PACKAGE_TIMEOUT) -> bytes:
        """The packaged chart of the folder `chart`, its version set to `version`; at most `max_size` bytes."""
        scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-helm-"))
        try:
            out = scratch / "out"
            out.mkdir()
            if await self._confine(scratch):
                argv = [*self._bwrap_prefix(chart, out), "package", "/chart", "--destination", "/out"]
            else:
                argv = [str(self.helm), "package", str(chart), "--destination", str(out)]
            argv += ["--version", version]
            run = await run_helm(argv, scratch, timeout, what="helm package")
            if run.code != 0:
                said = run.stderr.decode(errors="replace").strip().replace(f"{chart.parent}/", "")
                raise ChartPackageError(f"helm package failed: {said[:STDERR_SHOWN]}")
            packaged = sorted(out.glob("*.tgz"))
            if len(packaged) != 1:
                raise ChartPackageError("helm package wrote no chart archive")
            size = packaged[0].stat().st_size
            if size > max_size:
                raise ChartPackageError(
                    f"the packaged chart is {size} bytes, more than the limit of {max_size} (--helm-chart-max-size)"
                )
            return packaged[0].read_bytes()
        finally:
            await asyncio.to_thread(shutil.rmtree, scratch, True)

    def _bwrap_prefix(self, chart: Path | None, out: Path | None) -> list[str]:
        """bubblewrap running helm (at /helm) with the chart at /chart and the output at /out, no network."""
        assert self.bwrap is not None
        argv = [str(self.bwrap), "--ro-bind", str(self.helm), "/helm"]
        argv += ["--ro-bind", str(chart), "/chart"] if chart is not None else []
        argv += ["--bind", str(out), "/out"] if out is not None else []
        argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--unshare-all", "--die-with-parent"]
        argv += ["--clearenv", "--setenv", "HOME", "/tmp", "--chdir", "/tmp", "/helm"]
        return argv

    async def _confine(self, scratch: Path) -> bool:
        """Whether helm runs in bubblewrap here (probed once with `helm version`)."""
        async with self._lock:
            if self.confined is None:
                works = False
                if self.bwrap is not None and self.bwrap.is_file():
                    probe = await run_helm([*self._bwrap_prefix(None, None), "version"], scratch, 30, what="helm")
                    works = probe.code == 0
                if not works:
                    log.warning("helm packages charts without bubblewrap here: only a clean environment confines it")
                self.confined = works
            return self.confined


@dataclass(frozen=True, slots=True)
class HelmRun:
    """How a helm command ended: its exit code, standard output and standard error."""

    code: int
    stdout: bytes
    stderr: bytes


PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy")


async def run_helm(argv: list[str], scratch: Path, timeout: float, *, what: str, network: bool = False) -> HelmRun:
    """Run helm with `scratch` as its only home; the process group dies on timeout.

    With `network`, the controller's own proxy settings are passed on (pulls need them)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "TMPDIR": str(scratch)}
    env |= {f"HELM_{part}_HOME": str(scratch / part.lower()) for part in ("CACHE", "CONFIG", "DATA")}
    if network:
        env |= {name: value for name in PROXY_VARIABLES if (value := os.environ.get(name))}
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=scratch,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        said = f"cannot run helm at {argv[0]}: {error.strerror or error}"
        raise ChartPackageError(f"{said}; install helm v4 or set --helm-binary") from error
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        raise ChartPackageError(f"{what} did not finish within {timeout:g}s") from None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.communicate()
    return HelmRun(process.returncode or 0, stdout, stderr)
