"""The demo's git repository: reflow's example application committed to a bare repository, then changed."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from reflow.dev.gitserver import GIT_ENV

BRANCH = "main"
IDENTITY = (
    "-c", "user.name=reflow demo", "-c", "user.email=demo@reflow.invalid",
    "-c", f"init.defaultBranch={BRANCH}", "-c", "commit.gpgsign=false",
)  # fmt: skip
GIT_TIMEOUT = 60.0
"""Seconds one git command may take on loopback before it is killed."""


class GitFailed(Exception):
    """A git command of the demo failed; the message has its stderr."""


def example_app() -> Traversable:
    """The example application reflow ships (`reflow/demo/app`: base, staging and production)."""
    return files("reflow.demo") / "app"


def _copy(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            _copy(entry, target / entry.name)
        elif entry.name.endswith((".yaml", ".md")):
            (target / entry.name).write_bytes(entry.read_bytes())


async def git(*args: str | Path, cwd: Path | None = None) -> str:
    """Run git without the user's configuration; its stdout, or GitFailed with its stderr."""
    env = {"PATH": os.environ.get("PATH", os.defpath), **GIT_ENV}
    process = await asyncio.create_subprocess_exec(
        "git", *IDENTITY, *map(str, args), cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(GIT_TIMEOUT):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    if process.returncode != 0:
        raise GitFailed(f"git {args[0]} failed: {err.decode(errors='replace').strip()}")
    return out.decode().strip()


@dataclass(frozen=True, slots=True)
class DemoRepository:
    """A bare repository under the git server's root and the work tree that commits and pushes to it."""

    bare: Path
    work: Path

    @classmethod
    async def create(cls, root: Path, work: Path, app: Traversable | None = None) -> DemoRepository:
        """`<root>/greeter.git` holding one commit of the example application on `main`."""
        repo = cls(bare=root / "greeter.git", work=work)
        await git("init", "--quiet", "--bare", repo.bare)
        await git("init", "--quiet", repo.work)
        await git("remote", "add", "origin", repo.bare, cwd=repo.work)
        await asyncio.to_thread(_copy, app or example_app(), repo.work)
        await repo._commit_and_push("greeter: base, staging and production overlays")
        return repo

    async def commit(self, changes: Mapping[str, str], message: str) -> str:
        """Write files (paths relative to the work tree), commit them, push to `main`; the new commit id."""
        for name, content in changes.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        return await self._commit_and_push(message)

    async def _commit_and_push(self, message: str) -> str:
        await git("add", "--all", cwd=self.work)
        await git("commit", "--quiet", "-m", message, cwd=self.work)
        await git("push", "--quiet", "origin", f"HEAD:{BRANCH}", cwd=self.work)
        return await self.head()

    async def head(self) -> str:
        """The commit at the tip of the work tree."""
        return await git("rev-parse", "HEAD", cwd=self.work)

    def read(self, name: str) -> str:
        """A file of the work tree."""
        return (self.work / name).read_text()


def revision(commit: str) -> str:
    """The artifact revision Flux writes for a commit on the demo's branch: `main@sha1:<hex>`."""
    return f"{BRANCH}@sha1:{commit}"
