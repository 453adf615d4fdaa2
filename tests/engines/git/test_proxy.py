"""Git through the proxy of a `proxySecretRef`: the Secret's keys, and real git through a real authenticating
proxy (pproxy) to the real git servers, with the proxy's password on no command line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.source import GitRepositoryRef
from reflow.engines.git import (
    AuthenticationFailed,
    Credentials,
    GitError,
    Proxy,
    checkout,
    proxy_from_secret,
    resolve_remote,
)
from tests.gitservers import GitHttpServer, Repo, SshServer, TLSFiles, free_port, wrap_program
from tests.proxyserver import ProxyServer


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param({}, "'address' is missing or empty", id="no-address"),
        pytest.param({"address": b"ftp://proxy:21"}, "must start with one of http://, https://, socks5://", id="ftp"),
        pytest.param({"address": b"proxy:3128"}, "must start with one of", id="no-scheme"),
        pytest.param({"address": b"http://proxy:port"}, "invalid address", id="bad-port"),
        pytest.param({"address": b"http://" + b"p" * 2048}, "longer than 2048", id="too-long"),
    ],
)
def test_a_bad_proxy_secret_says_what_is_wrong(data: dict[str, bytes], says: str) -> None:
    with pytest.raises(AuthenticationFailed, match="proxy secret 'ns/proxy'") as raised:
        proxy_from_secret(data, "ns/proxy")
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("data", "url"),
    [
        pytest.param({"address": b"http://proxy:3128"}, "http://proxy:3128", id="no-credentials"),
        pytest.param(
            {"address": b"https://proxy:3128\n", "username": b"me", "password": b"p@ss:w/rd"},
            "https://me:p%40ss%3Aw%2Frd@proxy:3128",
            id="credentials-percent-encoded",
        ),
        pytest.param(
            {"address": b"http://proxy:3128", "username": b"me"},
            "http://me:@proxy:3128",
            id="user-without-password-never-prompts",
        ),
        pytest.param(
            {"address": b"socks5://old:secret@proxy:1080", "username": b"new", "password": b"pw"},
            "socks5://new:pw@proxy:1080",
            id="keys-win-over-address",
        ),
        pytest.param(
            {"address": b"http://old:secret@proxy:3128"}, "http://old:secret@proxy:3128", id="address-credentials"
        ),
    ],
)
def test_a_proxy_secret_becomes_the_url_git_is_given(data: dict[str, bytes], url: str) -> None:
    proxy = proxy_from_secret(data, "ns/proxy")
    assert proxy.url() == url
    assert "@" not in proxy.address
    assert (proxy.password or "<none>") not in repr(proxy)


def _proxy(server: ProxyServer, password: str | None = None) -> Proxy:
    return Proxy(server.address, server.username, password or server.password)


async def test_git_clones_over_http_through_the_proxy_and_not_the_environment_s(
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    proxy_server: ProxyServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo()
    head = repo.commit({"a.yaml": "a: 1\n"}, "one")
    # The controller's own environment names a dead proxy and exempts loopback: the Secret's proxy replaces both.
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    credentials = Credentials(username=git_http.username, password=git_http.password)
    url = git_http.url(repo.bare.name)

    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"), credentials, proxy=_proxy(proxy_server))
    done = await checkout(url, resolved, tmp_path / "co", credentials, proxy=_proxy(proxy_server))

    assert (done.commit, (done.path / "a.yaml").read_text()) == (head, "a: 1\n")
    assert proxy_server.forwarded_to(git_http.port) >= 2  # the ref lookup and the fetch


async def test_git_tunnels_https_through_the_proxy(
    git_https: GitHttpServer, make_repo: Callable[[], Repo], proxy_server: ProxyServer, tls_files: TLSFiles
) -> None:
    repo = make_repo()
    head = repo.commit({"a.yaml": "a: 1\n"}, "one")
    credentials = Credentials(bearer_token=git_https.bearer_token, ca_cert=tls_files.ca_cert.read_bytes())
    resolved = await resolve_remote(
        git_https.url(repo.bare.name), GitRepositoryRef(branch="main"), credentials, proxy=_proxy(proxy_server)
    )
    assert resolved.commit == head
    assert proxy_server.forwarded_to(git_https.port) >= 1


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_wrong_proxy_credentials_fail_clearly_and_git_asks_nobody_for_them(
    git_http: GitHttpServer,
    git_https: GitHttpServer,
    make_repo: Callable[[], Repo],
    proxy_server: ProxyServer,
    tls_files: TLSFiles,
    tmp_path: Path,
    wrappers: Path,
    scheme: str,
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "one")
    server = git_http if scheme == "http" else git_https
    credentials = Credentials(
        username=server.username, password=server.password, ca_cert=tls_files.ca_cert.read_bytes()
    )
    trace = tmp_path / "trace.log"
    wrap_program(wrappers, "git", f"export GIT_TRACE={trace}")

    with pytest.raises(AuthenticationFailed, match="the proxy refused its credentials") as raised:
        await resolve_remote(
            server.url(repo.bare.name), GitRepositoryRef(branch="main"), credentials,
            proxy=_proxy(proxy_server, "not-the-proxy-password"),
        )  # fmt: skip
    assert "not-the-proxy-password" not in str(raised.value)
    assert proxy_server.refused() >= 1
    assert proxy_server.forwarded_to(server.port) == 0
    assert "askpass" not in trace.read_text()  # git did not prompt for other proxy credentials


async def test_the_proxy_password_is_on_no_argv(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], proxy_server: ProxyServer, tmp_path: Path, wrappers: Path
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "one")
    argv, trace = tmp_path / "argv.log", tmp_path / "trace.log"
    wrap_program(wrappers, "git", f"printf '%s\\n' \"$*\" >> {argv}\nexport GIT_TRACE={trace}")
    credentials = Credentials(username=git_http.username, password=git_http.password)
    url = git_http.url(repo.bare.name)

    resolved = await resolve_remote(url, GitRepositoryRef(branch="main"), credentials, proxy=_proxy(proxy_server))
    await checkout(url, resolved, tmp_path / "co", credentials, proxy=_proxy(proxy_server))

    logged = argv.read_text() + trace.read_text()
    assert "remote-http" in logged  # git traced its remote helper's argv
    assert proxy_server.forwarded_to(git_http.port) >= 2
    assert proxy_server.password not in logged
    assert proxy_server.password not in " ".join(os.environ.values())  # nor left in the controller's environment


async def test_an_ssh_remote_with_a_proxy_is_refused_clearly(sshd: SshServer, make_repo: Callable[[], Repo]) -> None:
    repo = make_repo()
    with pytest.raises(GitError, match="proxySecretRef applies to http\\(s\\) URLs only"):
        await resolve_remote(sshd.url(repo.bare), GitRepositoryRef(branch="main"), proxy=Proxy("http://p:3128"))
