"""Reading a running manager's Prometheus metrics in tests, waiting with a deadline for lines to appear."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from reflow.runtime.manager import Manager

DEADLINE = 10.0


async def metrics_until(manager: Manager, *lines: str, deadline: float = DEADLINE) -> str:
    """The metrics text once it holds every one of `lines`.

    A controller records its metrics just after it writes the status a test waits for, so a scrape
    right after the status can miss them by a moment; this waits until they are there or fails.
    """
    url = f"http://127.0.0.1:{manager.ports['metrics']}/metrics"
    ends = time.monotonic() + deadline
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.get(url) as answer:
                text = await answer.text()
            missing = [line for line in lines if line not in text]
            if not missing:
                return text
            if time.monotonic() > ends:
                raise AssertionError(f"metrics still lack {missing} after {deadline} s")
            await asyncio.sleep(0.1)
