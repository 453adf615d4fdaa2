"""Commit changed files in a checkout and push the commit to a branch (and a refspec), all or nothing.

The commit is made on a local branch named after the push branch, so a refspec such as
`refs/heads/auto:refs/heads/main` names it as Flux's do. With a refspec, both refs go in one atomic push:
either the remote takes both or neither, so a refused refspec never leaves the branch half-updated. A
refusal (the branch moved on, a protected branch, a hook) raises `PushRejected` with git's reason; the
commit stays local and goes away with the checkout.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from shutil import rmtree

from reflow.engines.git.credentials import Credentials
from reflow.engines.git.errors import GitError, classify, public_url
from reflow.engines.git.proxy import Proxy
from reflow.engines.git.run import run_git
from reflow.engines.git.signing import SigningKey, signing
from reflow.engines.git.transport import Transport, prepared_transport
from reflow.kube.privatefile import write_private

_REFUSED = ("[rejected]", "[remote rejected]", "non-fast-forward", "fetch first", "protected branch")


class PushRejected(GitError):
    """The remote refused the push; nothing was pushed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Author:
    """Who the commit is by (author and committer)."""

    name: str
    email: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Pushed:
    """The commit that was pushed, the branch it went to and any extra refspec."""

    commit: str
    branch: str
    refspecs: tuple[str, ...] = ()


async def commit_and_push(
    tree: Path,
    url: str,
    credentials: Credentials | None,
    *,
    files: Sequence[str],
    message: str,
    author: Author,
    branch: str,
    refspec: str | None = None,
    options: Mapping[str, str] | None = None,
    signing_key: SigningKey | None = None,
    proxy: Proxy | None = None,
    timeout: float = 60.0,
) -> Pushed:
    """Commit `files` (paths relative to `tree`) with `message`, then push to `branch` and `refspec`."""
    scratch = Path(tempfile.mkdtemp(prefix="reflow-commit-"))  # 0700: it holds the signing key
    try:
        with prepared_transport(url, credentials, proxy=proxy) as transport:
            await _commit(tree, transport, scratch, files, message, author, branch, signing_key, url, timeout)
            commit = (
                await _git(tree, transport, url, timeout, "rev-parse", "HEAD", action="read the commit of")
            ).strip()
            refspecs = (f"refs/heads/{branch}:refs/heads/{branch}", *((refspec,) if refspec else ()))
            await _push(tree, transport, url, timeout, refspecs, options or {})
    finally:
        rmtree(scratch, ignore_errors=True)
    return Pushed(commit=commit, branch=branch, refspecs=(refspec,) if refspec else ())


async def _commit(
    tree: Path,
    transport: Transport,
    scratch: Path,
    files: Sequence[str],
    message: str,
    author: Author,
    branch: str,
    signing_key: SigningKey | None,
    url: str,
    timeout: float,
) -> None:
    await _git(tree, transport, url, timeout, "checkout", "--quiet", "-B", branch, action="create the branch of")
    await _git(tree, transport, url, timeout, "add", "--", *files, action="stage the changes of")
    message_file = write_private(scratch / "message", message)
    identity = {
        "GIT_AUTHOR_NAME": author.name or author.email,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": author.name or author.email,
        "GIT_COMMITTER_EMAIL": author.email,
    }
    commit = ["commit", "--quiet", "--no-verify", "--cleanup=verbatim", "-F", str(message_file)]
    if signing_key is None:
        await _git(tree, transport, url, timeout, *commit, action="commit to", env=identity)
        return
    async with signing(signing_key, scratch) as setup:
        config = [item for key, value in setup.config for item in ("-c", f"{key}={value}")]
        await _git(tree, transport, url, timeout, *config, *commit, "-S", action="sign a commit for",
                   env={**identity, **setup.env})  # fmt: skip


async def _push(
    tree: Path, transport: Transport, url: str, timeout: float, refspecs: Sequence[str], options: Mapping[str, str]
) -> None:
    args = ["push", "--porcelain", *(["--atomic"] if len(refspecs) > 1 else [])]
    args += [f"--push-option={key}={value}" for key, value in sorted(options.items())]
    completed = await run_git(
        [*args, "origin", *refspecs], transport=transport, timeout=timeout, action="push to", url=url, cwd=tree,
        check=False,
    )  # fmt: skip
    if completed.returncode == 0:
        return
    said = completed.stdout + completed.stderr
    if any(marker in said for marker in _REFUSED):
        refused = [line.strip().replace("\t", " ") for line in said.splitlines() if line.startswith("!")]
        reasons = transport.redact("; ".join(refused[:3]) or said.strip()[-300:])
        raise PushRejected(f"push to '{public_url(url)}' was rejected, nothing was pushed: {reasons}")
    raise classify(completed.stderr or completed.stdout, action="push to", url=url, secrets=transport.secrets)


async def _git(
    tree: Path,
    transport: Transport,
    url: str,
    timeout: float,
    *args: str,
    action: str,
    env: Mapping[str, str] | None = None,
) -> str:
    if env:
        transport = Transport(env={**transport.env, **env}, secrets=transport.secrets, url=transport.url)
    completed = await run_git(args, transport=transport, timeout=timeout, action=action, url=url, cwd=tree)
    return completed.stdout
