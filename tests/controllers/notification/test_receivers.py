"""Receivers against the real plane: the webhook path in the status, and real HTTP to the manager's receiver
server annotating exactly the objects a valid request names (a Google-signed gcr push, a registry's scan)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping

import aiohttp
import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.controllers.notification.receiver import ReceiverReconciler
from reflow.controllers.options import NotificationSettings
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.manager import Manager
from tests.controllers.image.images import IMAGE, image_repository, until
from tests.controllers.image.ociimages import push_images
from tests.controllers.kustomize.sources import SOURCE, MakeSource
from tests.controllers.notification.test_dispatch import NOTIFICATION, secret
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.oidcissuer import SigningKey, served_issuer
from tests.registries import Registry

TOKEN = "gh-s3cr3t"
PUSH = json.dumps({"ref": "refs/heads/main", "after": "0" * 40}).encode()


def receiver(name: str, namespace: str, **spec: object) -> Manifest:
    return {"apiVersion": NOTIFICATION, "kind": "Receiver", "metadata": {"name": name, "namespace": namespace},
            "spec": {"secretRef": {"name": "hook-token"}, **spec}}  # fmt: skip


def git_repository(name: str, namespace: str, **labels: str) -> Manifest:
    return {"apiVersion": SOURCE, "kind": "GitRepository",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"url": "https://git.invalid/app", "interval": "1h"}}  # fmt: skip


def github_headers(body: bytes, *, key: str = TOKEN, event: str = "push") -> dict[str, str]:
    signature = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-GitHub-Event": event, "X-Hub-Signature-256": f"sha256={signature}"}


def at(revision: str) -> Callable[[Manifest | None], bool]:
    """The GitRepository's artifact is at this revision."""

    def check(obj: Manifest | None) -> bool:
        return bool(((obj or {}).get("status") or {}).get("artifact", {}).get("revision") == revision)

    return check


async def ready_path(kube: Kube, namespace: str, name: str) -> str:
    """The Receiver's webhook path once it is Ready."""

    def initialized(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == "True"

    obj = await wait_for(kube, ObjectRef(NOTIFICATION, "Receiver", name, namespace), initialized, timeout=30,
                         what="Receiver Ready")  # fmt: skip
    assert obj is not None
    path: str = obj["status"]["webhookPath"]
    assert condition(obj, "Ready")["message"] == f"Receiver initialized for path: {path}"  # type: ignore[index]
    return path


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def post(manager: Manager, path: str, body: bytes, headers: Mapping[str, str]) -> int:
    url = f"http://127.0.0.1:{manager.ports['receiver']}{path}"
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=dict(headers)) as answer:
        return answer.status


async def annotation(
    kube: Kube, namespace: str, name: str, api: str = SOURCE, kind: str = "GitRepository"
) -> str | None:
    obj = await kube.get(ObjectRef(api, kind, name, namespace))
    found: str | None = (obj["metadata"].get("annotations") or {}).get(REQUESTED_AT)
    return found


async def test_a_signed_github_push_makes_the_git_repository_fetch_the_new_commit(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, first = await git_source({"app/a.yaml": "a: 1\n"})
    await kube.create(secret("hook-token", namespace, token=TOKEN))
    manager = await start_controllers("source", "notification")
    repo_ref = ObjectRef(SOURCE, "GitRepository", source.name, namespace)

    await wait_for(kube, repo_ref, at(first), timeout=60, what="first revision")
    await kube.create(receiver("github", namespace, type="github", events=["push"],
                               resources=[{"kind": "GitRepository", "name": source.name}]))  # fmt: skip
    path = await ready_path(kube, namespace, "github")
    expected = hashlib.sha256(f"{TOKEN}github{namespace}".encode()).hexdigest()
    assert path == f"/hook/{expected}"

    second = source.commit({"app/b.yaml": "b: 2\n"}, "second")
    assert await post(manager, path, PUSH, github_headers(PUSH)) == 200
    fetched = await wait_for(kube, repo_ref, at(second), timeout=30, what="the pushed revision")
    assert fetched is not None
    token = fetched["metadata"]["annotations"][REQUESTED_AT]
    assert fetched["status"]["lastHandledReconcileAt"] == token


async def test_bad_signatures_other_events_and_unknown_paths_annotate_nothing(
    kube: Kube, namespace: str, start_controllers: StartControllers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="reflow")
    await kube.create(secret("hook-token", namespace, token=TOKEN))
    await kube.create(git_repository("app", namespace))
    await kube.create(receiver("github", namespace, type="github", events=["push"],
                               resources=[{"kind": "GitRepository", "name": "app"}]))  # fmt: skip
    manager = await start_controllers("notification")
    path = await ready_path(kube, namespace, "github")

    assert await post(manager, path, PUSH, github_headers(PUSH, key="guessed")) == 400
    assert await post(manager, path, PUSH, {"Content-Type": "application/json", "X-GitHub-Event": "push"}) == 400
    assert await post(manager, path, PUSH, github_headers(PUSH, event="ping")) == 400
    assert await post(manager, "/hook/" + "0" * 64, PUSH, github_headers(PUSH)) == 404
    assert await post(manager, "/elsewhere", PUSH, github_headers(PUSH)) == 404
    big = b"x" * ((3 << 20) + 1)
    assert await post(manager, path, big, github_headers(big)) == 413
    assert await annotation(kube, namespace, "app") is None

    assert await post(manager, path, PUSH, github_headers(PUSH)) == 200
    assert await annotation(kube, namespace, "app") is not None
    assert "unable to validate payload" in caplog.text
    assert TOKEN not in caplog.text


async def test_a_wildcard_with_labels_and_a_filter_annotates_exactly_the_matching_objects(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    await kube.create(secret("hook-token", namespace, token="gl-token"))
    await kube.create(git_repository("web", namespace, tier="front"))
    await kube.create(git_repository("web-legacy", namespace, tier="front"))
    await kube.create(git_repository("db", namespace, tier="back"))
    await kube.create(receiver("gitlab", namespace, type="gitlab",
                               resourceFilter="!res.metadata.name.endsWith('-legacy')",
                               resources=[{"kind": "GitRepository", "name": "*",
                                           "matchLabels": {"tier": "front"}}]))  # fmt: skip
    manager = await start_controllers("notification")
    path = await ready_path(kube, namespace, "gitlab")

    assert await post(manager, path, b"{}", {"X-Gitlab-Token": "wrong", "X-Gitlab-Event": "Push Hook"}) == 400
    assert await post(manager, path, b"{}", {"X-Gitlab-Token": "gl-token", "X-Gitlab-Event": "Push Hook"}) == 200
    annotated = {name: await annotation(kube, namespace, name) for name in ("web", "web-legacy", "db")}
    assert annotated["web"] is not None
    assert (annotated["web-legacy"], annotated["db"]) == (None, None)

    suspended = asyncio.Event()
    manager.informer_for(ReceiverReconciler).add_handler(
        lambda _change, _old, new: suspended.set() if new["spec"].get("suspend") else None
    )
    await kube.patch(ObjectRef(NOTIFICATION, "Receiver", "gitlab", namespace), {"spec": {"suspend": True}})
    async with asyncio.timeout(10):
        await suspended.wait()
    assert await post(manager, path, b"{}", {"X-Gitlab-Token": "gl-token", "X-Gitlab-Event": "Push Hook"}) == 503
    assert await annotation(kube, namespace, "web") == annotated["web"]


async def test_a_filter_that_does_not_compile_stalls_the_receiver(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    await kube.create(secret("hook-token", namespace, token=TOKEN))
    await kube.create(receiver("generic", namespace, type="generic", resourceFilter="res.metadata.name ==",
                               resources=[{"kind": "GitRepository", "name": "app"}]))  # fmt: skip
    await start_controllers("notification")

    def stalled(obj: Manifest | None) -> bool:
        found = condition(obj, "Stalled")
        return found is not None and found["status"] == "True" and found["reason"] == "InvalidCELExpression"

    obj = await wait_for(kube, ObjectRef(NOTIFICATION, "Receiver", "generic", namespace), stalled, timeout=30,
                         what="Stalled")  # fmt: skip
    assert "invalid resourceFilter expression" in condition(obj, "Ready")["message"]  # type: ignore[index]


async def test_a_receiver_without_its_token_is_not_ready_and_its_path_answers_nothing(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    await kube.create(receiver("generic", namespace, type="generic",
                               resources=[{"kind": "GitRepository", "name": "app"}]))  # fmt: skip
    await start_controllers("notification")

    def token_missing(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == "False" and found["reason"] == "TokenNotFound"

    obj = await wait_for(kube, ObjectRef(NOTIFICATION, "Receiver", "generic", namespace), token_missing,
                         timeout=30, what="TokenNotFound")  # fmt: skip
    assert obj is not None
    assert "webhookPath" not in obj.get("status", {})
    assert f"unable to read token from secret '{namespace}/hook-token'" in condition(obj, "Ready")["message"]  # type: ignore[index]


async def test_a_generic_oidc_receiver_accepts_only_tokens_its_issuer_signed_for_allowed_callers(
    kube: Kube, namespace: str, start_controllers: StartControllers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reflow")
    await kube.create(git_repository("app", namespace))
    await kube.create(git_repository("docs", namespace))
    async with served_issuer() as issuer:
        oidc = {
            "issuerURL": issuer.url,
            "variables": [{"name": "owner", "expression": "claims.repository_owner"}],
            "validations": [{"expression": "vars.owner == 'org'", "message": "wrong org"}],
        }
        hook = {"apiVersion": NOTIFICATION, "kind": "Receiver", "metadata": {"name": "ci", "namespace": namespace},
                "spec": {"type": "generic-oidc", "oidcProviders": [oidc],
                         "resourceFilter": "res.metadata.name == claims.repository.split('/')[1]",
                         "resources": [{"kind": "GitRepository", "name": "app"},
                                       {"kind": "GitRepository", "name": "docs"}]}}  # fmt: skip
        await kube.create(hook)
        manager = await start_controllers("notification")
        path = await ready_path(kube, namespace, "ci")
        assert path == "/hook/" + hashlib.sha256(f"ci{namespace}".encode()).hexdigest()

        stranger = issuer.token(repository_owner="someone", repository="someone/app")
        assert await post(manager, path, b"{}", bearer(stranger)) == 400
        assert await post(manager, path, b"{}", bearer(issuer.token(repository_owner="org", lifetime=-5))) == 400
        assert await post(manager, path, b"{}", {}) == 400
        assert (await annotation(kube, namespace, "app"), await annotation(kube, namespace, "docs")) == (None, None)
        errors = [str(getattr(record, "error", "")) for record in caplog.records]
        assert "token validation failed: wrong org" in errors

        allowed = issuer.token(repository_owner="org", repository="org/app")
        assert await post(manager, path, b"{}", bearer(allowed)) == 200
        assert await annotation(kube, namespace, "app") is not None
        assert await annotation(kube, namespace, "docs") is None
        assert not any(allowed in str(vars(record)) for record in caplog.records)


async def test_a_generic_oidc_receiver_with_a_bad_validation_stalls(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    oidc = {"issuerURL": "https://issuer.invalid", "validations": [{"expression": "claims.sub ==", "message": "m"}]}
    await kube.create({"apiVersion": NOTIFICATION, "kind": "Receiver",
                       "metadata": {"name": "ci", "namespace": namespace},
                       "spec": {"type": "generic-oidc", "oidcProviders": [oidc],
                                "resources": [{"kind": "GitRepository", "name": "app"}]}})  # fmt: skip
    await start_controllers("notification")

    def stalled(obj: Manifest | None) -> bool:
        found = condition(obj, "Stalled")
        return found is not None and found["status"] == "True" and found["reason"] == "InvalidCELExpression"

    obj = await wait_for(kube, ObjectRef(NOTIFICATION, "Receiver", "ci", namespace), stalled, timeout=30,
                         what="Stalled")  # fmt: skip
    assert "invalid expression for validation 'm'" in condition(obj, "Ready")["message"]  # type: ignore[index]


async def test_a_google_signed_gcr_push_makes_the_matched_image_repository_scan_the_new_tag(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="reflow")
    audience, email = "https://hooks.example.com/gcr", "pusher@project.iam.gserviceaccount.com"
    for name in ("app", "web"):
        await push_images(registry, f"{registry_repository}/{name}", "1.0.0")
        await kube.create(image_repository(namespace, name, f"{registry.host}/{registry_repository}/{name}"))
    await kube.create(secret("hook-token", namespace, token=TOKEN, email=email, audience=audience))
    pushed_here = "req.action == 'INSERT' && req.tag.contains('/' + res.metadata.name + ':')"
    await kube.create(receiver("gcr", namespace, type="gcr", resourceFilter=pushed_here,
                               resources=[{"apiVersion": IMAGE, "kind": "ImageRepository", "name": name}
                                          for name in ("app", "web")]))  # fmt: skip
    async with served_issuer() as google:  # Google's key set, on loopback
        loopback = NotificationSettings(events_addr="127.0.0.1:0", receiver_addr="127.0.0.1:0",
                                        gcr_jwks_url=f"{google.url}/keys")  # fmt: skip
        manager = await start_controllers("image-reflector", "notification",
                                          controller_options={"notification": loopback})  # fmt: skip
        for name in ("app", "web"):
            await until(kube, namespace, "ImageRepository", name, ready_is("True", "successful scan: found 1 tags"))
        path = await ready_path(kube, namespace, "gcr")
        await push_images(registry, f"{registry_repository}/app", "1.1.0")
        event = {"action": "INSERT", "digest": f"{registry.host}/{registry_repository}/app@sha256:{'0' * 64}",
                 "tag": f"{registry.host}/{registry_repository}/app:1.1.0"}  # fmt: skip
        body = json.dumps({"message": {"data": base64.b64encode(json.dumps(event).encode()).decode()},
                           "subscription": "projects/p/subscriptions/gcr"}).encode()  # fmt: skip

        forged = google.google_token(audience, email, key=SigningKey(kid=google.keys[0].kid))
        assert await post(manager, path, body, bearer(forged)) == 400
        assert await post(manager, path, body, bearer(google.google_token("https://elsewhere", email))) == 400
        assert await post(manager, path, body, {"Content-Type": "application/json"}) == 400
        assert await annotation(kube, namespace, "app", IMAGE, "ImageRepository") is None
        errors = [str(getattr(record, "error", "")) for record in caplog.records]
        assert ("cannot authenticate GCR request: invalid ID token: audience is 'https://elsewhere', "
                f"want '{audience}': Audience doesn't match") in errors  # fmt: skip

        signed = google.google_token(audience, email)
        assert await post(manager, path, body, bearer(signed)) == 200
        requested = await annotation(kube, namespace, "app", IMAGE, "ImageRepository")
        assert requested is not None

        def handled(obj: Manifest | None) -> bool:
            return bool((obj or {}).get("status", {}).get("lastHandledReconcileAt") == requested)

        scanned = await until(kube, namespace, "ImageRepository", "app", handled)
        assert scanned["status"]["lastScanResult"]["tagCount"] == 2
        assert await annotation(kube, namespace, "web", IMAGE, "ImageRepository") is None
        assert f"handling GCR event from {event['digest']} for tag {event['tag']}" in caplog.messages
        assert not any(signed in str(vars(record)) or TOKEN in str(vars(record)) for record in caplog.records)
