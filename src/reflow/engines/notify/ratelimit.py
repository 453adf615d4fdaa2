"""The event rate limit: one event per key per interval (`--rate-limit-interval`), forgotten once it expires."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """Admits a key once per `interval` seconds; later ones inside the window are duplicates."""

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._until: dict[str, float] = {}

    def allow(self, key: str) -> bool:
        """True the first time a key is seen in its window (and opens the window), False inside it."""
        now = self.clock()
        if len(self._until) > 1024:
            self._until = {k: until for k, until in self._until.items() if until > now}
        until = self._until.get(key)
        if until is not None and until > now:
            return False
        self._until[key] = now + self.interval
        return True
