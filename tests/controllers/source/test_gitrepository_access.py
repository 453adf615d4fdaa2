"""GitRepository access against the real plane: a GitHub App's installation token and an authenticating proxy.

The token endpoint is a loopback server speaking GitHub's documented API (tests/githubapi.py), the git
server is the real `git http-backend` wanting `x-access-token:<token>`, and the proxy is pproxy.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.kube.client import Kube
from tests.controllers.source.gitrepositories import (
    create_creds,
    fetch,
    git_repository,
    members,
    ref,
    secret,
    until,
)
from tests.githubapi import GitHubTokenServer, rsa_key_pem
from tests.gitservers import GitHttpServer, Repo, serve_git_http
from tests.loopback import loopback
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.proxyserver import ProxyServer

APP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def github() -> AsyncIterator[tuple[GitHubTokenServer, str]]:
    """GitHub's token endpoint for app 31337, installed as 5150."""
    server = GitHubTokenServer(app_id="31337", public_key=APP_KEY.public_key(), installations={5150: "acme"})
    async with loopback() as serve:
        yield server, f"http://127.0.0.1:{await serve(server.handle, '127.0.0.1')}"


@pytest.fixture
async def app_git(git_root: Path, github: tuple[GitHubTokenServer, str]) -> AsyncIterator[GitHttpServer]:
    """The git server, accepting only the installation token GitHub hands out."""
    server = GitHttpServer(root=git_root, username="x-access-token", password=github[0].token)
    async with serve_git_http(server) as running:
        yield running


def app_data(base: str, installation: bytes = b"5150") -> dict[str, bytes]:
    return {
        "githubAppID": b"31337",
        "githubAppInstallationID": installation,
        "githubAppPrivateKey": rsa_key_pem(APP_KEY),
        "githubAppBaseURL": base.encode(),
    }


def handled(token: str) -> Callable[[dict[str, object] | None], bool]:
    return lambda obj: ((obj or {}).get("status") or {}).get("lastHandledReconcileAt") == token  # type: ignore[union-attr]


async def test_a_github_app_authenticates_through_an_authenticating_proxy_and_its_token_is_reused(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    github: tuple[GitHubTokenServer, str],
    app_git: GitHttpServer,
    proxy_server: ProxyServer,
    make_repo: Callable[[], Repo],
) -> None:
    server, base = github
    repo = make_repo()
    commit = repo.commit({"deploy/app.yaml": "kind: ConfigMap\n"}, "first")
    await kube.create(secret(namespace, "app", app_data(base)))
    proxy = {"address": proxy_server.address.encode(), "username": proxy_server.username.encode()}
    await kube.create(secret(namespace, "proxy", proxy | {"password": proxy_server.password.encode()}))
    await start_controllers("source")
    await kube.create(
        git_repository(
            namespace,
            "app",
            app_git.url(repo.bare.name),
            ref={"branch": "main"},
            provider="github",
            secretRef={"name": "app"},
            proxySecretRef={"name": "proxy"},
        )
    )

    obj = await until(kube, namespace, "app", ready_is("True", commit))
    assert obj["status"]["artifact"]["revision"] == f"main@sha1:{commit}"
    assert members(await fetch(obj["status"]["artifact"]["url"])) == {"deploy/app.yaml": b"kind: ConfigMap\n"}
    assert [claims["iss"] for claims in server.claims] == ["31337"]
    assert proxy_server.forwarded_to(int(base.rsplit(":", 1)[1])) == 1  # the token request…
    assert proxy_server.forwarded_to(app_git.port) >= 2  # …and git's ref lookup and fetch went through it

    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "again"}}})
    await until(kube, namespace, "app", handled("again"))
    assert server.token_requests == 1  # the second reconcile reused the cached token
    assert server.token not in str(await kube.get(ref(namespace, "app")))


async def test_a_wrong_installation_id_fails_clearly_and_keeps_the_artifact(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    github: tuple[GitHubTokenServer, str],
    app_git: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    _, base = github
    repo = make_repo()
    commit = repo.commit({"a.yaml": "a: 1\n"}, "one")
    await kube.create(secret(namespace, "app", app_data(base)))
    await start_controllers("source")
    spec = {"ref": {"branch": "main"}, "provider": "github", "secretRef": {"name": "app"}}
    await kube.create(git_repository(namespace, "app", app_git.url(repo.bare.name), **spec))
    good = await until(kube, namespace, "app", ready_is("True", commit))

    await kube.create(secret(namespace, "other", app_data(base, installation=b"999")))
    await kube.patch(ref(namespace, "app"), {"spec": {"secretRef": {"name": "other"}}})
    failed = await until(kube, namespace, "app", ready_is("False", "installation 999"))
    message = condition(failed, "Ready")["message"]  # type: ignore[index]
    assert condition(failed, "Ready")["reason"] == "AuthenticationFailed"  # type: ignore[index]
    assert condition(failed, "FetchFailed")["status"] == "True"  # type: ignore[index]
    assert "check 'githubAppInstallationID'" in message
    assert "PRIVATE KEY" not in str(failed["status"])
    assert failed["status"]["artifact"] == good["status"]["artifact"]


async def test_provider_and_secret_that_do_not_match_are_named(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    github: tuple[GitHubTokenServer, str],
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    _, base = github
    repo = make_repo()
    await create_creds(kube, namespace, git_http)
    await kube.create(secret(namespace, "app", app_data(base)))
    await start_controllers("source")
    url = git_http.url(repo.bare.name)
    await kube.create(git_repository(namespace, "basic", url, provider="github", secretRef={"name": "creds"}))
    await kube.create(git_repository(namespace, "app", url, secretRef={"name": "app"}))
    await kube.create(git_repository(namespace, "none", url, provider="github"))

    basic = await until(kube, namespace, "basic", ready_is("False", "holds no GitHub App data"))
    app = await until(kube, namespace, "app", ready_is("False", "which only provider 'github' uses"))
    none = await until(kube, namespace, "none", ready_is("False", "needs a secretRef"))
    assert {condition(o, "Ready")["reason"] for o in (basic, app, none)} == {"InvalidProviderConfiguration"}  # type: ignore[index]
    assert condition(none, "Stalled")["status"] == "True"  # type: ignore[index]


async def test_wrong_proxy_credentials_fail_clearly(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    proxy_server: ProxyServer,
    make_repo: Callable[[], Repo],
) -> None:
    repo = make_repo()
    commit = repo.commit({"a.yaml": "a: 1\n"}, "one")
    await create_creds(kube, namespace, git_http)
    wrong = secrets.token_urlsafe(12)
    data = {"address": proxy_server.address.encode(), "username": proxy_server.username.encode()}
    await kube.create(secret(namespace, "proxy", data | {"password": wrong.encode()}))
    await start_controllers("source")
    await kube.create(
        git_repository(
            namespace, "app", git_http.url(repo.bare.name), ref={"branch": "main"},
            secretRef={"name": "creds"}, proxySecretRef={"name": "proxy"},
        )
    )  # fmt: skip

    failed = await until(kube, namespace, "app", ready_is("False", "the proxy refused its credentials"))
    assert condition(failed, "Ready")["reason"] == "AuthenticationFailed"  # type: ignore[index]
    assert wrong not in str(failed["status"])
    assert proxy_server.forwarded_to(git_http.port) == 0

    await kube.apply(
        secret(namespace, "proxy", data | {"password": proxy_server.password.encode()}), field_manager="t", force=True
    )
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "fixed"}}})
    fixed = await until(kube, namespace, "app", ready_is("True", commit))
    assert proxy_server.forwarded_to(git_http.port) >= 2
    assert fixed["status"]["artifact"]["revision"] == f"main@sha1:{commit}"
