"""What one in-process run of `reflow` printed, and the golden files CLI tests compare it with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

TESTDATA = Path(__file__).parent / "testdata"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run of the command printed and how it exited."""

    code: int
    stdout: str
    stderr: str


Reflow = Callable[..., Awaitable[Outcome]]
"""The `reflow` fixture: `await reflow(*args, stdin=None, namespaced=True)`."""


def lines(text: str) -> Sequence[str]:
    """The printed lines that are not blank."""
    return [line for line in text.splitlines() if line.strip()]
