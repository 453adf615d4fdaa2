"""The work queue: deduplicated keys, never one key in two workers, delayed adds and per-key backoff.

A key added while it is being processed is marked dirty and handed out again once the worker is
done, so the reconciler always sees the latest state without running twice at once.

Keys wait in one of two lanes: a key whose last run failed (`mark_failing`, or a backoff count) waits
in the failing lane until it is forgotten, every other key in the steady lane. Workers that take only
steady keys are never occupied by failing ones, so objects that keep failing (each holding a worker
until its timeout) cannot delay healthy ones (flux2#5622).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class ShutDown(Exception):
    """The queue was shut down; workers stop taking keys."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Per-key exponential backoff: `min_delay` · 2^failures, capped at `max_delay` (seconds)."""

    min_delay: float = 0.75
    """Flux's `--min-retry-delay`, 750 ms."""
    max_delay: float = 900.0
    """Flux's `--max-retry-delay`, 15 min."""

    def delay(self, failures: int) -> float:
        """The wait before the retry that follows `failures` earlier failures in a row."""
        if failures >= 64:
            return self.max_delay
        return min(self.max_delay, math.ldexp(self.min_delay, failures))

    def delays(self) -> Iterator[float]:
        """The successive retry delays of a key that keeps failing."""
        failures = 0
        while True:
            yield self.delay(failures)
            failures += 1


class Lane(Enum):
    """Where a queued key waits: steady (its last run did not fail) or failing."""

    STEADY = "steady"
    FAILING = "failing"


class WorkQueue(Generic[K]):
    """An asyncio work queue in client-go's style, with depth and wait-time bookkeeping for metrics."""

    def __init__(self, backoff: Backoff | None = None) -> None:
        self.backoff = backoff or Backoff()
        self._lanes: dict[Lane, deque[K]] = {lane: deque() for lane in Lane}
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._added_at: dict[K, float] = {}
        self._failures: dict[K, int] = {}
        self._failing: set[K] = set()
        self._timers: dict[K, tuple[float, asyncio.TimerHandle]] = {}
        self._wakeup = asyncio.Event()
        self._shutting_down = False

    def __len__(self) -> int:
        return sum(len(waiting) for waiting in self._lanes.values())

    def lane_of(self, key: K) -> Lane:
        """The lane the key waits in when queued now: failing while it has failures in a row."""
        return Lane.FAILING if key in self._failing else Lane.STEADY

    def mark_failing(self, key: K) -> None:
        """The key's last run failed: it waits in the failing lane until `forget`."""
        self._failing.add(key)

    def add(self, key: K) -> None:
        """Queue the key now unless it is already waiting; a key being processed is queued when done."""
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        self._added_at.setdefault(key, time.monotonic())
        if key in self._processing:
            return
        self._lanes[self.lane_of(key)].append(key)
        self._notify()

    def add_after(self, key: K, delay: float) -> None:
        """Queue the key after `delay` seconds; an earlier pending add of the same key wins."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        pending = self._timers.get(key)
        if pending and pending[0] <= due:
            return
        if pending:
            pending[1].cancel()
        self._timers[key] = (due, loop.call_at(due, self._fire, key))

    def _fire(self, key: K) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def add_rate_limited(self, key: K) -> float:
        """Queue the key after its backoff delay, and count one more failure; returns the delay."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self._failing.add(key)
        delay = self.backoff.delay(failures)
        self.add_after(key, delay)
        return delay

    def failures(self, key: K) -> int:
        """How many failures in a row the key has had since it was last forgotten."""
        return self._failures.get(key, 0)

    def forget(self, key: K) -> None:
        """Reset the key's backoff and lane after a success."""
        self._failures.pop(key, None)
        self._failing.discard(key)

    def pending_delay(self, key: K) -> float | None:
        """Seconds until a delayed add of the key fires, or None when none is pending."""
        pending = self._timers.get(key)
        return None if pending is None else max(0.0, pending[0] - asyncio.get_running_loop().time())

    async def get(self, lane: Lane | None = None) -> tuple[K, float]:
        """Wait for a key of `lane` (None: either, steady first), mark it processing and return it with the
        seconds it waited in the queue."""
        lanes = (lane,) if lane is not None else (Lane.STEADY, Lane.FAILING)
        while not any(self._lanes[one] for one in lanes):
            if self._shutting_down:
                raise ShutDown()
            self._wakeup.clear()
            await self._wakeup.wait()
        key = next(self._lanes[one] for one in lanes if self._lanes[one]).popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        waited = time.monotonic() - self._added_at.pop(key, time.monotonic())
        return key, waited

    def done(self, key: K) -> None:
        """The worker finished the key; if it was added meanwhile, it goes back in the queue."""
        self._processing.discard(key)
        if key in self._dirty:
            self._lanes[self.lane_of(key)].append(key)
            self._notify()

    def shut_down(self) -> None:
        """Stop handing out keys and drop pending delayed adds; workers waiting in get() raise ShutDown."""
        self._shutting_down = True
        for _, handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._notify()

    def _notify(self) -> None:
        self._wakeup.set()
