"""The repository side of `reflow bootstrap git`: clone the branch, commit the bootstrap files that differ, push,
and, when another commit lands on the branch between the clone and the push, clone again and redo the change
on top of it."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from reflow import __version__
from reflow.api.meta import Manifest
from reflow.api.source import GitRepositoryRef
from reflow.cli.console import step, success
from reflow.cli.gitsecret import GitCredentials
from reflow.engines.bootstrap import (
    COMPONENTS_FILE,
    KUSTOMIZATION_FILE,
    SYNC_FILE,
    PathConflict,
    SyncOptions,
    components_yaml,
    flux_system_dir,
    plan,
    sync_yaml,
)
from reflow.engines.git import Credentials, RefNotFound, checkout, resolve_remote, start_empty
from reflow.engines.git.push import Author, PushRejected, commit_and_push
from reflow.engines.git.signing import SigningKey
from reflow.engines.install import InstallOptions, selected_components

GIT_TIMEOUT = 120.0
"""Seconds for one clone or push; a remote slower than that is treated as unreachable."""
PUSH_ATTEMPTS = 3
"""Clones, commits and pushes tried when other commits keep landing on the branch in between."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GitBootstrap:
    """Everything `bootstrap git` was asked to do, checked."""

    url: str
    sync: SyncOptions
    install: InstallOptions
    pull_secret: Manifest | None
    """The image pull Secret --registry-creds asks for."""
    credentials: GitCredentials
    """As given: `password` is the HTTP(S) password, or with an ssh --url the passphrase of --private-key-file."""
    token_auth: bool
    signing_key: SigningKey | None
    author: Author
    message: str
    silent: bool
    force: bool


async def _clone(request: GitBootstrap, credentials: Credentials, tree: Path) -> str | None:
    """Check the branch out into `tree`; its head commit, or None when the branch does not exist yet."""
    branch = request.sync.branch
    step(f'cloning branch "{branch}" from {request.url}')
    try:
        resolved = await resolve_remote(request.url, GitRepositoryRef(branch=branch), credentials, timeout=GIT_TIMEOUT)
    except RefNotFound:
        await start_empty(request.url, tree, timeout=GIT_TIMEOUT)
        success(f'branch "{branch}" does not exist yet; bootstrap creates it')
        return None
    await checkout(request.url, resolved, tree, credentials, timeout=GIT_TIMEOUT)
    success(f"cloned {resolved.revision}")
    return resolved.commit


def _read_existing(tree: Path, directory: str) -> dict[str, str | None]:
    """The three bootstrap files as they are in the checkout (None when absent); refuses anything but plain
    folders and files on the way, so a symbolic link never leads a write out of the checkout."""
    parts = directory.split("/")
    for depth in range(1, len(parts) + 1):
        folder = tree.joinpath(*parts[:depth])
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise PathConflict(f"{'/'.join(parts[:depth])} exists and is not a folder; choose another --path")
    found: dict[str, str | None] = {}
    for name in (COMPONENTS_FILE, SYNC_FILE, KUSTOMIZATION_FILE):
        path = tree / directory / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise PathConflict(f"{directory}/{name} exists and is not a plain file; choose another --path")
        found[name] = path.read_text() if path.exists() else None
    return found


async def _commit(
    request: GitBootstrap, credentials: Credentials, tree: Path, head: str | None, manifests: list[Manifest]
) -> str:
    """Commit and push the bootstrap files when the branch lacks them; the branch's head commit afterwards."""
    directory = flux_system_dir(request.sync.path)
    components = components_yaml(manifests, __version__, selected_components(request.install))
    decided = plan(directory, _read_existing(tree, directory), components, sync_yaml(request.sync))
    if not decided.changed and head is not None:
        success(f"component and sync manifests in {directory} are up to date")
        return head
    for name, content in decided.writes.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(content)
    step(f'pushing {len(decided.writes)} file(s) in {directory} to branch "{request.sync.branch}"')
    pushed = await commit_and_push(
        tree, request.url, credentials, files=sorted(decided.writes), message=request.message,
        author=request.author, branch=request.sync.branch, signing_key=request.signing_key, timeout=GIT_TIMEOUT,
    )  # fmt: skip
    success(f'committed and pushed {pushed.commit[:12]} to "{request.sync.branch}"')
    return pushed.commit


async def _moved_on(
    request: GitBootstrap, credentials: Credentials, head: str | None, rejected: PushRejected, attempt: int
) -> None:
    """Return when the push was refused because the branch moved on after the clone (another commit landed)
    and an attempt is left, to clone it again and redo the change on top; otherwise raise why it was refused."""
    branch = request.sync.branch
    try:
        now: str | None = (
            await resolve_remote(request.url, GitRepositoryRef(branch=branch), credentials, timeout=GIT_TIMEOUT)
        ).commit
    except RefNotFound:
        now = None
    if now == head:
        raise PushRejected(f'{rejected} (branch "{branch}" did not move: it refuses pushes, protected or by a hook)')
    if attempt == PUSH_ATTEMPTS:
        raise PushRejected(f'{rejected} (branch "{branch}" moved on during each of {PUSH_ATTEMPTS} attempts)')
    step(f'branch "{branch}" moved on to {(now or "")[:12]} after the clone; cloning it again to commit on top')


@dataclass(frozen=True, slots=True)
class Pushed:
    """The branch's head as last cloned (None: the branch did not exist) and after bootstrap (equal: no push)."""

    cloned: str | None
    head: str


async def push_files(
    request: GitBootstrap,
    credentials: Credentials,
    manifests: list[Manifest],
    *,
    after_clone: Callable[[], Awaitable[None]] | None = None,
) -> Pushed:
    """Clone, then commit and push what the branch lacks; `after_clone` runs once, after the first clone.
    A push refused because the branch moved on is redone on a new clone, up to PUSH_ATTEMPTS times."""
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        with tempfile.TemporaryDirectory(prefix="reflow-bootstrap-") as scratch:
            tree = Path(scratch) / "repository"
            cloned = await _clone(request, credentials, tree)
            if attempt == 1 and after_clone is not None:
                await after_clone()
            try:
                return Pushed(cloned, await _commit(request, credentials, tree, cloned, manifests))
            except PushRejected as rejected:
                await _moved_on(request, credentials, cloned, rejected, attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")
