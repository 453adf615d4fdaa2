"""Build results kept by input key, so an unchanged Kustomization is not built again."""

from __future__ import annotations

from collections import OrderedDict

from reflow.engines.build.result import BuildResult

DEFAULT_ENTRIES = 256


class BuildCache:
    """A bounded least-recently-used map from build input key to result.

    The key already covers every input (artifact digest, spec, variables, builder version), so an
    entry never goes stale; the bound only limits memory.
    """

    def __init__(self, max_entries: int = DEFAULT_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, BuildResult] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> BuildResult | None:
        """The stored result for `key`, marked most recently used; None when absent."""
        result = self._entries.get(key)
        if result is not None:
            self._entries.move_to_end(key)
        return result

    def put(self, key: str, result: BuildResult) -> None:
        """Store a result, dropping the least recently used one beyond the bound."""
        self._entries[key] = result
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
