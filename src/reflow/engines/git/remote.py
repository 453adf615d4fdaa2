"""Ask a remote which commit a ref points to with one `git ls-remote`, without fetching anything."""

from __future__ import annotations

from collections.abc import Sequence

from reflow.api.source import GitRepositoryRef
from reflow.engines.git.credentials import Credentials
from reflow.engines.git.proxy import Proxy
from reflow.engines.git.refs import RemoteRefs, ResolvedRef, parse_ls_remote, ref_patterns, resolve_ref
from reflow.engines.git.run import run_git
from reflow.engines.git.transport import prepared_transport


async def list_refs(
    url: str,
    credentials: Credentials | None = None,
    *,
    patterns: Sequence[str] = (),
    proxy: Proxy | None = None,
    timeout: float = 60.0,
) -> RemoteRefs:
    """The remote's refs whose names end with one of `patterns` (all refs when empty), and its HEAD."""
    with prepared_transport(url, credentials, proxy=proxy) as transport:
        completed = await run_git(
            ["ls-remote", "--symref", "--", transport.url, *patterns],
            transport=transport,
            timeout=timeout,
            action="list references of",
            url=url,
        )
    return parse_ls_remote(completed.stdout)


async def resolve_remote(
    url: str,
    ref: GitRepositoryRef | None,
    credentials: Credentials | None = None,
    *,
    proxy: Proxy | None = None,
    timeout: float = 60.0,
) -> ResolvedRef:
    """The commit and revision `ref` selects now; a commit ref is resolved without contacting the remote.

    Comparing the result's `revision` with the stored artifact's tells whether anything changed, so an
    unchanged remote costs one `ls-remote` and no fetch.
    """
    patterns = ref_patterns(ref)
    if patterns is None:
        return resolve_ref(ref, RemoteRefs())
    return resolve_ref(ref, await list_refs(url, credentials, patterns=patterns, proxy=proxy, timeout=timeout))
