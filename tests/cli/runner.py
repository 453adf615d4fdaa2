"""What one in-process run of `reflow` printed, and the golden files CLI tests compare it with."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from reflow.cli.main import cli

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


async def run_reflow(*argv: str, env: Mapping[str, str] | None = None, stdin: str | None = None) -> Outcome:
    """Run `reflow <argv>` in-process (in a worker thread) without a cluster: the registry verbs."""
    result = await asyncio.to_thread(CliRunner().invoke, cli, list(argv), input=stdin, env=env, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)
