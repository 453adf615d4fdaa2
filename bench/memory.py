"""Resources of the controllers' process trees from /proc: RSS (sampled for the peak), CPU time, files, threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    """pid → parent pid for every process now."""
    parents: dict[int, int] = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = (PROC / entry.name / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its last ")".
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def tree(roots: Iterable[int]) -> set[int]:
    """The roots and all their descendants."""
    parents = _parents()
    members = {pid for pid in roots if pid in parents}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in members and pid not in members:
                members.add(pid)
                grew = True
    return members


def rss_bytes(pid: int) -> int:
    """A process's resident set size (VmRSS), 0 if it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int, *, own: bool = True) -> float:
    """CPU time (user + system) of a process and of its children it has waited for; `own=False`: only theirs.

    0 if the process is gone. Children still running are not in it yet: read it once they have exited.
    """
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime/stime/cutime/cstime are fields 14–17.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    ticks = (utime + stime if own else 0) + cutime + cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_rss(roots: Iterable[int]) -> int:
    """The summed RSS of the roots and their descendants."""
    return sum(rss_bytes(pid) for pid in tree(roots))


def _entries(pid: int, folder: str) -> int:
    try:
        return sum(1 for _ in (PROC / str(pid) / folder).iterdir())
    except OSError:
        return 0


def tree_fds(roots: Iterable[int]) -> int:
    """Open file descriptors of the roots and their descendants."""
    return sum(_entries(pid, "fd") for pid in tree(roots))


def tree_threads(roots: Iterable[int]) -> int:
    """Threads of the roots and their descendants."""
    return sum(_entries(pid, "task") for pid in tree(roots))


class PeakMemory:
    """Samples the RSS of a set of process trees every `interval` seconds while in its `with` block."""

    def __init__(self, roots: Iterable[int], interval: float = 0.25) -> None:
        self.roots = tuple(roots)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-rss", daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss(self.roots))
            if self._stop.wait(self.interval):
                return

    @property
    def peak_mib(self) -> float:
        """The highest summed RSS seen, in MiB."""
        return self.peak / 2**20

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss(self.roots))
