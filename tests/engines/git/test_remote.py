"""Remote ref lookup and ref resolution against real git servers over HTTP(S) and ssh."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.source import GitRepositoryRef
from reflow.engines.git import (
    AuthenticationFailed,
    Credentials,
    GitError,
    GitTimeout,
    RefKind,
    RefNotFound,
    UnknownHostKey,
    UnreachableHost,
    resolve_remote,
)
from tests.gitservers import GitHttpServer, Repo, SshServer, TLSFiles, free_port, ssh_keygen

Made = dict[str, str]


def history(repo: Repo) -> Made:
    """main: c1 → c2; branch `feature` at c3; tags v1.0.0 (annotated, c1), v1.1.0 (lightweight, c2),
    v2.0.0-rc.1 (c3); a pull-request ref at c3."""
    made = {"c1": repo.commit({"README.md": "one\n"}, "first")}
    repo.tag("v1.0.0", message="release 1.0.0")
    made["c2"] = repo.commit({"README.md": "two\n"}, "second")
    repo.tag("v1.1.0")
    made["c3"] = repo.commit({"feature.txt": "x\n"}, "third", branch="feature")
    repo.tag("v2.0.0-rc.1")
    repo.git("push", "--quiet", "origin", "feature:refs/pull/1/head")
    return made


CASES = [
    pytest.param(None, "c2", "main@sha1:{c2}", RefKind.BRANCH, id="branch-main"),
    pytest.param(GitRepositoryRef(branch="feature"), "c3", "feature@sha1:{c3}", RefKind.BRANCH, id="branch"),
    pytest.param(GitRepositoryRef(tag="v1.0.0"), "c1", "v1.0.0@sha1:{c1}", RefKind.TAG, id="annotated-tag"),
    pytest.param(GitRepositoryRef(tag="v1.1.0"), "c2", "v1.1.0@sha1:{c2}", RefKind.TAG, id="lightweight-tag"),
    pytest.param(GitRepositoryRef(semver="1.x"), "c2", "v1.1.0@sha1:{c2}", RefKind.SEMVER, id="semver"),
    pytest.param(
        GitRepositoryRef(semver=">=2.0.0-0"), "c3", "v2.0.0-rc.1@sha1:{c3}", RefKind.SEMVER, id="semver-prerelease"
    ),
    pytest.param(
        GitRepositoryRef(name="refs/pull/1/head"), "c3", "refs/pull/1/head@sha1:{c3}", RefKind.NAME, id="name"
    ),
    pytest.param(
        GitRepositoryRef(name="refs/tags/v1.0.0"), "c1", "refs/tags/v1.0.0@sha1:{c1}", RefKind.NAME, id="name-tag"
    ),
    pytest.param(
        GitRepositoryRef(branch="main", tag="v1.0.0", semver="1.x", name="refs/heads/feature"),
        "c3",
        "refs/heads/feature@sha1:{c3}",
        RefKind.NAME,
        id="name-beats-semver-tag-branch",
    ),
    pytest.param(
        GitRepositoryRef(tag="v1.0.0", semver="1.1.x"), "c2", "v1.1.0@sha1:{c2}", RefKind.SEMVER, id="semver-beats-tag"
    ),
]


def _main_branch_ref(ref: GitRepositoryRef | None) -> GitRepositoryRef | None:
    # Flux's default branch is `master`; these repositories use `main`.
    return GitRepositoryRef(branch="main") if ref is None else ref


@pytest.mark.parametrize(("ref", "commit", "revision", "kind"), CASES)
async def test_each_ref_kind_selects_its_commit_over_http(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], ref, commit, revision, kind
) -> None:
    repo = make_repo()
    made = history(repo)
    credentials = Credentials(username=git_http.username, password=git_http.password)
    resolved = await resolve_remote(git_http.url(repo.bare.name), _main_branch_ref(ref), credentials)
    assert (resolved.commit, resolved.revision, resolved.kind) == (made[commit], revision.format(**made), kind)


@pytest.mark.parametrize(("ref", "commit", "revision", "kind"), CASES)
async def test_each_ref_kind_selects_its_commit_over_ssh(
    sshd: SshServer, ssh_keys: dict[str, Path], make_repo: Callable[[], Repo], ref, commit, revision, kind
) -> None:
    repo = make_repo()
    made = history(repo)
    credentials = Credentials(identity=ssh_keys["plain"].read_bytes(), known_hosts=sshd.known_hosts)
    resolved = await resolve_remote(sshd.url(repo.bare), _main_branch_ref(ref), credentials)
    assert (resolved.commit, resolved.revision, resolved.kind) == (made[commit], revision.format(**made), kind)


async def test_commit_ref_needs_no_remote_and_keeps_the_branch_in_the_revision() -> None:
    commit = "a" * 40
    plain = await resolve_remote("https://unreachable.invalid/repo.git", GitRepositoryRef(commit=commit))
    with_branch = await resolve_remote(
        "https://unreachable.invalid/repo.git", GitRepositoryRef(commit=commit, branch="main")
    )
    assert (plain.revision, with_branch.revision) == (f"sha1:{commit}", f"main@sha1:{commit}")


async def test_unchanged_remote_is_detected_with_one_listing_and_no_fetch(
    git_http: GitHttpServer, make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    head = repo.commit({"a.txt": "a\n"}, "only")
    url = git_http.url(repo.bare.name)
    credentials = Credentials(username=git_http.username, password=git_http.password)
    stored_revision = f"main@sha1:{head}"
    before = len(git_http.requests)
    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"), credentials)
    seen = [request for request in git_http.requests[before:] if repo.bare.name in request.path]
    assert resolved.revision == stored_revision
    assert [request.command for request in seen if request.method == "POST"] == ["ls-refs"]
    assert all(request.command != "fetch" for request in seen)


async def test_missing_branch_is_ref_not_found(git_http: GitHttpServer, make_repo: Callable[[], Repo]) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "only")
    credentials = Credentials(username=git_http.username, password=git_http.password)
    with pytest.raises(RefNotFound, match="branch 'gone' not found"):
        await resolve_remote(git_http.url(repo.bare.name), GitRepositoryRef(branch="gone"), credentials)


async def test_https_with_session_ca_and_bearer_token(
    git_https: GitHttpServer, tls_files: TLSFiles, make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    head = repo.commit({"a.txt": "a\n"}, "only")
    credentials = Credentials(bearer_token=git_https.bearer_token, ca_cert=tls_files.ca_cert.read_bytes())
    resolved = await resolve_remote(git_https.url(repo.bare.name), GitRepositoryRef(branch="main"), credentials)
    assert resolved.commit == head


async def test_https_without_the_ca_fails_on_the_certificate(
    git_https: GitHttpServer, make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "only")
    credentials = Credentials(bearer_token=git_https.bearer_token)
    with pytest.raises(GitError, match="certificate") as raised:
        await resolve_remote(git_https.url(repo.bare.name), GitRepositoryRef(branch="main"), credentials)
    assert git_https.bearer_token not in str(raised.value)


async def test_wrong_password_is_authentication_failed_without_the_password(
    git_http: GitHttpServer, make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "only")
    wrong = "not-the-password-4711"
    with pytest.raises(AuthenticationFailed) as raised:
        await resolve_remote(
            git_http.url(repo.bare.name),
            GitRepositoryRef(branch="main"),
            Credentials(username="reflow", password=wrong),
        )
    message = str(raised.value)
    assert "authentication failed" in message
    assert git_http.url(repo.bare.name) in message
    assert wrong not in message
    assert raised.value.reason == "AuthenticationFailed"


async def test_missing_credentials_are_authentication_failed(
    git_http: GitHttpServer, make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "only")
    with pytest.raises(AuthenticationFailed):
        await resolve_remote(git_http.url(repo.bare.name), GitRepositoryRef(branch="main"))


async def test_unknown_host_key_is_refused(
    sshd: SshServer, ssh_keys: dict[str, Path], make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "only")
    impostor = ssh_keygen(tmp_path / "impostor").with_suffix(".pub").read_text()
    for known_hosts in (b"", f"[127.0.0.1]:{sshd.port} {impostor}".encode()):
        credentials = Credentials(identity=ssh_keys["plain"].read_bytes(), known_hosts=known_hosts)
        with pytest.raises(UnknownHostKey, match="known_hosts") as raised:
            await resolve_remote(sshd.url(repo.bare), GitRepositoryRef(branch="main"), credentials)
        assert "PRIVATE KEY" not in str(raised.value)
        assert raised.value.reason == "GitOperationFailed"


async def test_ssh_key_with_passphrase(
    sshd: SshServer, ssh_keys: dict[str, Path], make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    head = repo.commit({"a.txt": "a\n"}, "only")
    passphrase = (ssh_keys["protected"].parent / "protected.passphrase").read_text()
    identity = ssh_keys["protected"].read_bytes()
    good = Credentials(identity=identity, password=passphrase, known_hosts=sshd.known_hosts)
    resolved = await resolve_remote(sshd.url(repo.bare), GitRepositoryRef(branch="main"), good)
    assert resolved.commit == head
    wrong = "a wrong passphrase"
    bad = Credentials(identity=identity, password=wrong, known_hosts=sshd.known_hosts)
    with pytest.raises(AuthenticationFailed) as raised:
        await resolve_remote(sshd.url(repo.bare), GitRepositoryRef(branch="main"), bad)
    assert wrong not in str(raised.value)


async def test_ssh_key_not_authorised_is_authentication_failed(
    sshd: SshServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit({"a.txt": "a\n"}, "only")
    credentials = Credentials(identity=ssh_keygen(tmp_path / "other").read_bytes(), known_hosts=sshd.known_hosts)
    with pytest.raises(AuthenticationFailed, match="authentication failed"):
        await resolve_remote(sshd.url(repo.bare), GitRepositoryRef(branch="main"), credentials)


@pytest.mark.parametrize("scheme", ["http", "ssh"])
async def test_unreachable_host(scheme: str) -> None:
    url = f"{scheme}://git@127.0.0.1:{free_port()}/nothing/here.git"
    with pytest.raises(UnreachableHost, match="cannot be reached") as raised:
        await resolve_remote(url, GitRepositoryRef(branch="main"), Credentials(known_hosts=b""), timeout=20)
    assert url in str(raised.value)


async def test_a_silent_server_is_killed_at_the_timeout() -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(GitTimeout, match="timed out after 1s"):
            await resolve_remote(f"http://127.0.0.1:{port}/r.git", GitRepositoryRef(branch="main"), timeout=1)
    finally:
        server.close()
        await server.wait_closed()
