"""CPU time read from /proc counts a process's own work and, once waited for, its children's."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.memory import cpu_seconds

BUSY = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


TICK = 1 / os.sysconf("SC_CLK_TCK")


def test_a_waited_child_counts_in_the_parents_children_time_only() -> None:
    own_before, children_before = cpu_seconds(os.getpid()), cpu_seconds(os.getpid(), own=False)
    subprocess.run([sys.executable, "-c", BUSY], check=True)
    children = cpu_seconds(os.getpid(), own=False) - children_before
    assert children >= 0.25
    assert cpu_seconds(os.getpid()) - own_before >= children - TICK  # both sums are rounded to clock ticks


def test_a_process_that_is_gone_used_nothing() -> None:
    assert cpu_seconds(2**22 + 7) == 0.0
