"""Counts API calls per user agent from the API server's audit log, between two moments of a run."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


@dataclass(frozen=True, slots=True)
class Mark:
    """A place in the audit log: the file (inode) and its size, and the wall-clock time when it was taken."""

    inode: int
    offset: int
    wall: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallCount:
    """API calls of one side in a window: the total, the writes and dry-runs among them, the count per verb."""

    total: int
    writes: int
    """Calls that change the cluster: create, update, patch, delete — dry-runs excluded."""
    dry_runs: int
    by_verb: dict[str, int]
    by_agent: dict[str, int]


def agent_matches(user_agent: str, agents: tuple[str, ...]) -> bool:
    """True when the user agent is one of `agents` exactly or starts with `AGENT/` (the client-go form)."""
    return any(user_agent == agent or user_agent.startswith(agent + "/") for agent in agents)


class AuditLog:
    """The plane's audit log file (Metadata level: one JSON line per request stage).

    The API server rotates it at 100 MB (`--audit-log-maxsize` unset), renaming the full file to
    `audit-<time>.log` beside it: a window is read from every file written since its start.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self) -> Mark:
        """Where the log ends now."""
        if not self.path.exists():
            return Mark(0, 0, time.time())
        stat = self.path.stat()
        return Mark(stat.st_ino, stat.st_size, time.time())

    def _since(self, start: Mark) -> list[tuple[Path, int]]:
        """The files holding events from `start` on, each with the offset to read from, oldest first."""
        stem = self.path.stem
        files = sorted(self.path.parent.glob(f"{stem}*{self.path.suffix}"), key=lambda path: path.stat().st_mtime)
        found: list[tuple[Path, int]] = []
        for path in files:
            stat = path.stat()
            if stat.st_ino == start.inode:
                found.append((path, start.offset))
            elif stat.st_mtime >= start.wall:
                found.append((path, 0))
        return found

    def count(self, start: Mark, end: Mark, agents: tuple[str, ...]) -> CallCount:
        """Requests from `agents` received between the marks (each request once, whatever its stages).

        The API server writes an audit event shortly after its response: read a second or so after `end`.
        """
        seen: set[str] = set()
        dry_runs = writes = 0
        verbs: Counter[str] = Counter()
        by_agent: Counter[str] = Counter()
        for path, offset in self._since(start):
            for event in _events(path, offset):
                user_agent = event.get("userAgent", "")
                if not agent_matches(user_agent, agents) or event["auditID"] in seen:
                    continue
                received = _timestamp(event["requestReceivedTimestamp"])
                if not start.wall <= received <= end.wall:
                    continue
                seen.add(event["auditID"])
                verbs[event["verb"]] += 1
                by_agent[user_agent.split("/", 1)[0]] += 1
                if "dryRun=" in event.get("requestURI", ""):
                    dry_runs += 1
                elif event["verb"] in WRITE_VERBS:
                    writes += 1
        return CallCount(
            total=len(seen), writes=writes, dry_runs=dry_runs, by_verb=dict(verbs), by_agent=dict(by_agent)
        )

    def agents(self, start: Mark) -> Counter[str]:
        """Every user agent seen since `start`, with its number of events (to find a side's agent)."""
        found: Counter[str] = Counter()
        for path, offset in self._since(start):
            for event in _events(path, offset):
                found[event.get("userAgent", "")] += 1
        return found


def _events(path: Path, offset: int) -> Iterator[dict[str, Any]]:
    """The audit events of one file from `offset` on (a last line still being written is skipped)."""
    with path.open("rb") as log:
        log.seek(offset)
        for line in log:
            if line.endswith(b"\n"):
                yield json.loads(line)


def _timestamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
