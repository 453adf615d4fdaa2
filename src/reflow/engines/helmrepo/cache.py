"""An in-memory cache of parsed indexes with a time to live, shared by the HelmRepository and HelmChart controllers.

Flux's flags size it (`--helm-cache-max-size` indexes, 0 turns it off), set how long an entry lives
unused (`--helm-cache-ttl`) and how often expired entries are dropped (`--helm-cache-purge-interval`).
Keys are artifact paths (`helmrepository/<namespace>/<name>/<file>`): each object's entry is its own,
so one tenant cannot read an index fetched with another's credentials.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from reflow.engines.helmrepo.index import MAX_INDEX_SIZE, Index

CACHE_TTL = 15 * 60.0
"""Seconds an entry lives (Flux's `--helm-cache-ttl` default, 15m)."""
CACHE_PURGE_INTERVAL = 60.0
"""Seconds between purges of expired entries (Flux's `--helm-cache-purge-interval` default, 1m)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmSettings:
    """Flux's Helm index and chart flags, under the same names."""

    helm_index_max_size: int = MAX_INDEX_SIZE
    """Largest index accepted, bytes (`--helm-index-max-size`)."""
    helm_cache_max_size: int = 0
    """Indexes kept at most; 0 disables the cache (`--helm-cache-max-size`, Flux's default)."""
    helm_cache_ttl: float = CACHE_TTL
    """Seconds an index stays cached (`--helm-cache-ttl`)."""
    helm_cache_purge_interval: float = CACHE_PURGE_INTERVAL
    """Seconds between purges of expired indexes (`--helm-cache-purge-interval`)."""
    helm_chart_max_size: int = 10 << 20
    """Largest chart downloaded or packaged, bytes (`--helm-chart-max-size`, Flux's 10 MiB)."""
    helm_chart_file_max_size: int = 5 << 20
    """Largest file in a chart, bytes (`--helm-chart-file-max-size`, Flux's 5 MiB)."""


class IndexCache:
    """Parsed indexes by artifact path, each until its expiry; holds at most `max_size` of them."""

    def __init__(self, max_size: int, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_size = max_size
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[Index, float]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Index | None:
        """The cached index, or None when it is absent or expired."""
        found = self._entries.get(key)
        if found is None or found[1] <= self.clock():
            return None
        return found[0]

    def set(self, key: str, index: Index) -> bool:
        """Cache the index for `ttl`; False when the cache is off or full of live entries."""
        if key not in self._entries and len(self._entries) >= self.max_size:
            self.purge()
            if len(self._entries) >= self.max_size:
                return False
        self._entries[key] = (index, self.clock() + self.ttl)
        return True

    def touch(self, key: str) -> None:
        """Give a live entry a fresh `ttl` (the index was fetched again and is unchanged)."""
        found = self._entries.get(key)
        if found is not None and found[1] > self.clock():
            self._entries[key] = (found[0], self.clock() + self.ttl)

    def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    def purge(self) -> int:
        """Drop the expired entries; how many were dropped."""
        now = self.clock()
        expired = [key for key, (_, expiry) in self._entries.items() if expiry <= now]
        for key in expired:
            del self._entries[key]
        return len(expired)
