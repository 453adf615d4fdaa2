"""Controller processes of one side: started in their own session, probed until ready, stopped by their id."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import aiohttp


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessSpec:
    """One controller process: its command line and the port of its `/readyz` probe."""

    name: str
    argv: tuple[str, ...]
    health_port: int
    env: dict[str, str] = field(default_factory=dict)


class ProcessStartFailed(Exception):
    """A controller exited or did not become ready; the message holds the tail of its log."""


class Controllers:
    """Runs a side's processes for the length of a `async with`; logs go to `logs/NAME.log`."""

    def __init__(self, specs: list[ProcessSpec], logs: Path, *, ready_timeout: float = 60.0) -> None:
        self.specs = specs
        self.logs = logs
        self.ready_timeout = ready_timeout
        self.processes: list[asyncio.subprocess.Process] = []

    @property
    def pids(self) -> list[int]:
        """The process ids of the running controllers (roots of their process trees)."""
        return [process.pid for process in self.processes]

    async def __aenter__(self) -> Controllers:
        await self.start()
        return self

    async def restart(self) -> None:
        """Stop every process (as `stop`) and start them again, waiting until each is ready."""
        await self.stop()
        await self.start()

    async def start(self) -> None:
        """Start the processes and wait until each answers its readiness probe; stop them all on failure."""
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            for spec in self.specs:
                log = (self.logs / f"{spec.name}.log").open("ab")
                process = await asyncio.create_subprocess_exec(
                    *spec.argv,
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                    env={**os.environ, **spec.env},
                    start_new_session=True,
                )
                log.close()
                self.processes.append(process)
            for spec, process in zip(self.specs, self.processes, strict=True):
                await self._ready(spec, process)
        except BaseException:
            await self.stop()
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _ready(self, spec: ProcessSpec, process: asyncio.subprocess.Process) -> None:
        url = f"http://127.0.0.1:{spec.health_port}/readyz"
        deadline = time.monotonic() + self.ready_timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    break
                try:
                    async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                # A probe has no watch to wait on: poll it, briefly.
                await asyncio.sleep(0.2)
        tail = "\n".join((self.logs / f"{spec.name}.log").read_text(errors="replace").splitlines()[-15:])
        state = f"exited with {process.returncode}" if process.returncode is not None else "is not ready"
        raise ProcessStartFailed(f"{spec.name} {state} after start ({' '.join(spec.argv[:3])} …):\n{tail}")

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM each process group we started, SIGKILL what is left after `grace` seconds."""
        for process in self.processes:
            if process.returncode is None:
                _signal_group(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                _signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        self.processes = []


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)
