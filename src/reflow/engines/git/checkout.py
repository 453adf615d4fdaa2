"""Fetch exactly the resolved commit (depth 1) into a work directory and check it out.

Only that commit travels: a tag ref is fetched by name so an annotated tag's object comes along for
signature checks; anything else is fetched by commit id. Sparse checkout keeps only the listed
directories (and nothing at the top level), as Flux's `spec.sparseCheckout` does, and submodules are
fetched the same shallow way when asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reflow.engines.git.credentials import Credentials
from reflow.engines.git.errors import GitError, RefNotFound
from reflow.engines.git.proxy import Proxy
from reflow.engines.git.refs import ResolvedRef
from reflow.engines.git.run import run_git
from reflow.engines.git.transport import Transport, prepared_transport


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkout:
    """A checked-out commit: where it is, what was asked for, and the commit's own details."""

    path: Path
    ref: ResolvedRef
    subject: str  # first line of the commit message, for the NewArtifact event
    committed_at: datetime

    @property
    def commit(self) -> str:
        return self.ref.commit

    @property
    def revision(self) -> str:
        return self.ref.revision


def _empty_directory(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return not any(path.iterdir())


def sparse_patterns(directories: Sequence[str]) -> list[str]:
    """Non-cone sparse-checkout patterns that select only these directories (`./a/b/` → `/a/b/`)."""
    patterns = []
    for directory in directories:
        cleaned = "/".join(part for part in directory.strip().split("/") if part not in ("", "."))
        patterns.append(f"/{cleaned}/" if cleaned else "/*")
    return patterns


async def checkout(
    url: str,
    ref: ResolvedRef,
    destination: Path,
    credentials: Credentials | None = None,
    *,
    sparse_checkout: Sequence[str] = (),
    recurse_submodules: bool = False,
    proxy: Proxy | None = None,
    timeout: float = 60.0,
) -> Checkout:
    """Check out `ref.commit` of `url` into `destination` (which must not exist or be empty)."""
    if not await asyncio.to_thread(_empty_directory, destination):
        raise GitError(f"checkout directory '{destination}' is not empty")
    with prepared_transport(url, credentials, proxy=proxy) as transport:

        async def git(*args: str, action: str = "fetch from") -> str:
            completed = await run_git(
                args, transport=transport, timeout=timeout, action=action, url=url, cwd=destination
            )
            return completed.stdout

        await git("init", "--quiet", action="initialise a repository for")
        await git("remote", "add", "origin", transport.url, action="configure")
        if sparse_checkout:
            await git(
                "sparse-checkout", "set", "--no-cone", "--", *sparse_patterns(sparse_checkout), action="configure"
            )
        await _fetch(transport, ref, destination, url, timeout)
        await git("checkout", "--quiet", "--detach", ref.commit, action="check out")
        if recurse_submodules:
            await git("submodule", "update", "--init", "--recursive", "--depth=1", action="fetch submodules of")
        details = await git("log", "-1", "--format=%ct%n%s", ref.commit, action="read the commit of")
    timestamp, _, subject = details.partition("\n")
    return Checkout(
        path=destination,
        ref=ref,
        subject=subject.strip(),
        committed_at=datetime.fromtimestamp(int(timestamp), UTC),
    )


async def start_empty(url: str, destination: Path, *, timeout: float = 60.0) -> Path:
    """An empty repository at `destination` whose `origin` is `url` (without credentials): the first commit
    pushed from it creates the branch on the remote, with no history (for a branch that does not exist yet)."""
    if not await asyncio.to_thread(_empty_directory, destination):
        raise GitError(f"checkout directory '{destination}' is not empty")
    with prepared_transport(url) as transport:
        for args in (["init", "--quiet"], ["remote", "add", "origin", transport.url]):
            await run_git(args, transport=transport, timeout=timeout, action="initialise a repository for", url=url,
                          cwd=destination)  # fmt: skip
    return destination


async def _fetch(transport: Transport, ref: ResolvedRef, destination: Path, url: str, timeout: float) -> None:
    tag = ref.tag
    refspec = f"+{ref.ref_name}:{ref.ref_name}" if tag else ref.commit
    try:
        await run_git(
            ["fetch", "--quiet", "--depth=1", "--no-tags", "origin", refspec],
            transport=transport,
            timeout=timeout,
            action="fetch from",
            url=url,
            cwd=destination,
        )
    except RefNotFound as error:
        raise RefNotFound(f"{error} (commit {ref.commit}, ref {ref.ref_name or 'none'})") from error
    if tag:
        fetched = await run_git(
            ["rev-parse", "--verify", "--quiet", f"{ref.ref_name}^{{commit}}"],
            transport=transport,
            timeout=timeout,
            action="read the tag of",
            url=url,
            cwd=destination,
        )
        if fetched.stdout.strip() != ref.commit:
            raise GitError(f"tag '{tag}' moved while fetching from the remote; try again")
