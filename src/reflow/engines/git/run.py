"""Run the `git` CLI as an async subprocess: no shell, its own process group, killed on timeout."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reflow.engines.git.errors import GitTimeout, classify, public_url
from reflow.engines.git.transport import Transport


@dataclass(frozen=True, slots=True)
class Completed:
    """A git command that ran: its standard output and error, decoded, and its exit status (0 unless unchecked)."""

    stdout: str
    stderr: str
    returncode: int = 0


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def run_git(
    args: Sequence[str],
    *,
    transport: Transport,
    timeout: float,
    action: str,
    url: str,
    cwd: Path | None = None,
    check: bool = True,
) -> Completed:
    """Run `git args…`; a non-zero exit raises the `GitError` subclass its stderr points to.

    `action` and `url` only shape the error message ("unable to <action> '<url>': …"). The whole process
    group (git, its remote helper, ssh) is killed when `timeout` seconds pass or the caller is cancelled.
    """
    process = await asyncio.create_subprocess_exec(
        "git",
        *args,
        cwd=cwd,
        env=dict(transport.env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        async with asyncio.timeout(timeout):
            out, err = await process.communicate()
    except TimeoutError:
        raise GitTimeout(f"unable to {action} '{public_url(url)}': timed out after {timeout:g}s") from None
    finally:
        if process.returncode is None:
            _kill(process)
            await process.wait()
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    if check and process.returncode != 0:
        raise classify(stderr or stdout, action=action, url=url, secrets=transport.secrets)
    return Completed(stdout=stdout, stderr=stderr, returncode=process.returncode or 0)
