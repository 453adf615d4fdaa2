"""`reflow` as a subprocess whose output is read line by line while it runs: for `--watch` and `--follow`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
DEADLINE = 60.0
"""Seconds a test waits for an expected line or for the command to exit; generous for a loaded machine."""


@dataclass
class Streaming:
    """A running `reflow` command and the lines it has printed so far."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    async def line(self, wanted: Callable[[str], bool], timeout: float = DEADLINE) -> str:
        """Read printed lines until one is `wanted`; fail at the deadline or when the output ends first."""
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while raw := await self.process.stdout.readline():
                self.lines.append(raw.decode().rstrip("\n"))
                if wanted(self.lines[-1]):
                    return self.lines[-1]
        raise AssertionError(f"reflow ended without the expected line; it printed {self.lines}")

    async def exit_code(self, timeout: float = DEADLINE) -> tuple[int, str]:
        """Wait until the command exits by itself; its exit code and stderr."""
        async with asyncio.timeout(timeout):
            rest, stderr = await self.process.communicate()
        self.lines += rest.decode().splitlines()
        assert self.process.returncode is not None
        return self.process.returncode, stderr.decode()


@contextlib.asynccontextmanager
async def streaming(*args: str) -> AsyncIterator[Streaming]:
    """Start `python -m reflow ARGS` with this checkout's sources; killed on the way out if still running."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reflow", *args,
        env={**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield Streaming(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
