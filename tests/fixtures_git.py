"""Pytest fixtures for git tests: HTTP(S) and ssh git servers, an HTTP proxy, signing keys and repositories."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.gitservers import (
    GitHttpServer,
    Repo,
    Signer,
    SshServer,
    TLSFiles,
    gpg_key,
    make_tls,
    serve_git_http,
    ssh_keygen,
    stop_gpg_agent,
)
from tests.proxyserver import ProxyServer

GIT_USERNAME = "reflow"


@pytest.fixture(scope="session")
def git_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the bare repositories live; every git server serves this directory."""
    return tmp_path_factory.mktemp("git-repos")


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A certificate authority made for this session and a loopback server certificate."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
async def git_http(git_root: Path) -> AsyncIterator[GitHttpServer]:
    """Plain HTTP git server that wants basic auth (`GIT_USERNAME`, `git_http.password`)."""
    server = GitHttpServer(root=git_root, username=GIT_USERNAME, password=secrets.token_urlsafe(16))
    async with serve_git_http(server) as running:
        yield running


@pytest.fixture(scope="session")
async def git_https(git_root: Path, tls_files: TLSFiles) -> AsyncIterator[GitHttpServer]:
    """HTTPS git server (session CA) that accepts a bearer token or basic auth."""
    server = GitHttpServer(
        root=git_root,
        username=GIT_USERNAME,
        password=secrets.token_urlsafe(16),
        bearer_token=secrets.token_urlsafe(24),
    )
    async with serve_git_http(server, tls_files) as running:
        yield running


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Client keys: `plain` without and `protected` with the passphrase in `protected.passphrase`."""
    directory = tmp_path_factory.mktemp("ssh-keys")
    plain = ssh_keygen(directory / "plain")
    protected = ssh_keygen(directory / "protected", passphrase="correct horse battery")
    (directory / "protected.passphrase").write_text("correct horse battery")
    return {"plain": plain, "protected": protected}


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory, ssh_keys: dict[str, Path]) -> Iterator[SshServer]:
    """Debian's sshd on loopback, trusting both client keys."""
    server = SshServer(directory=tmp_path_factory.mktemp("sshd"))
    server.start()
    server.authorise(ssh_keys["plain"].with_suffix(".pub"))
    server.authorise(ssh_keys["protected"].with_suffix(".pub"))
    yield server
    server.stop()


@pytest.fixture
def proxy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyServer]:
    """An HTTP proxy on loopback (PyPI's pproxy) that wants its own basic credentials; one per test."""
    server = ProxyServer(directory=tmp_path_factory.mktemp("proxy"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gpg_signer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signer]:
    key = gpg_key(tmp_path_factory.mktemp("gpg") / "home", "signer@reflow.invalid")
    yield Signer(gpg=key)
    stop_gpg_agent(key)


@pytest.fixture(scope="session")
def stranger_gpg_signer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signer]:
    """A key nobody trusts."""
    key = gpg_key(tmp_path_factory.mktemp("gpg") / "home", "stranger@reflow.invalid")
    yield Signer(gpg=key)
    stop_gpg_agent(key)


@pytest.fixture(scope="session")
def ssh_signer(tmp_path_factory: pytest.TempPathFactory) -> Signer:
    return Signer(ssh_key=ssh_keygen(tmp_path_factory.mktemp("ssh-signing") / "signing"))


@pytest.fixture
def make_repo(git_root: Path, tmp_path: Path) -> Callable[[], Repo]:
    """Create fresh bare repositories (served by every git server) with a work tree to build history in."""

    def make() -> Repo:
        return Repo.create(git_root, f"r-{secrets.token_hex(4)}", tmp_path / "work")

    return make
