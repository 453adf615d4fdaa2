"""A token bucket that holds client requests to `--kube-api-qps` with bursts up to `--kube-api-burst`."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """Grants `qps` requests a second on average, `burst` at once; a qps of 0 or less means unlimited."""

    def __init__(self, qps: float, burst: int) -> None:
        self._qps = qps
        self._burst = max(1, burst)
        self._tokens = float(self._burst)
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one request may be sent."""
        if self._qps <= 0:
            return
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._qps)
            self._stamp = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self._qps
                await asyncio.sleep(wait)
                self._stamp = time.monotonic()
                self._tokens = 1.0
            self._tokens -= 1
