"""Providers that read answers on the way: change-request comments (found again by their hidden key and author,
then edited, else added) and Google Pub/Sub (a service account key exchanged for a token, then a publish). Each
conversation's requests match its golden file; the service's answers are plain data."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reflow.engines.notify import CONVERSATIONS, ProviderError, Request, Target
from tests.engines.notify.events import finished

GOLDEN = Path(__file__).parent / "testdata" / "conversations"
EVENT = finished(metadata={"revision": "main@sha1:0123456789abcdef0123456789abcdef01234567", "change_request": "7"})
MARKER = "<!-- flux-pr-comment-key:p-uid/Kustomization/flux-system/apps -->"
MR_MARKER = MARKER.replace("flux-pr-", "flux-mr-")

TARGETS = {
    "githubpullrequestcomment": Target(type="githubpullrequestcomment", address="https://github.com/org/app",
                                       token="gh-token", provider_uid="p-uid"),
    "gitlabmergerequestcomment": Target(type="gitlabmergerequestcomment", address="https://gitlab.com/group/app",
                                        token="gl-token", provider_uid="p-uid"),
    "giteapullrequestcomment": Target(type="giteapullrequestcomment", address="https://gitea.example.com/org/app",
                                      token="gt-token", provider_uid="p-uid"),
}  # fmt: skip
USER = {"githubpullrequestcomment": {"login": "flux-bot"}, "gitlabmergerequestcomment": {"username": "flux-bot"},
        "giteapullrequestcomment": {"login": "flux-bot"}}  # fmt: skip


@dataclass(slots=True)
class Service:
    """Answers by (method, path); records every request."""

    answers: Mapping[tuple[str, str], object] = field(default_factory=dict)
    sent: list[Request] = field(default_factory=list)

    async def __call__(self, request: Request) -> str:
        self.sent.append(request)
        return json.dumps(self.answers.get((request.method, urlsplit(request.url).path), {}))


def shape(request: Request) -> dict[str, object]:
    body: object = request.json() if request.body else None
    return {"method": request.method, "url": request.url, "headers": dict(request.headers), "body": body}


def comments(kind: str, author: str, body: str) -> list[dict[str, object]]:
    if kind == "gitlabmergerequestcomment":
        return [{"id": 11, "author": {"username": "someone"}, "body": body},
                {"id": 12, "author": {"username": author}, "body": body}]  # fmt: skip
    return [{"id": 11, "user": {"login": "someone"}, "body": body}, {"id": 12, "user": {"login": author}, "body": body}]


def paths(kind: str) -> tuple[str, str]:
    """The user and comment-list paths of each API."""
    return {
        "githubpullrequestcomment": ("/user", "/repos/org/app/issues/7/comments"),
        "gitlabmergerequestcomment": ("/api/v4/user", "/api/v4/projects/group%2Fapp/merge_requests/7/notes"),
        "giteapullrequestcomment": ("/api/v1/user", "/api/v1/repos/org/app/issues/7/comments"),
    }[kind]


@pytest.mark.parametrize("kind", sorted(TARGETS))
async def test_the_first_event_adds_a_comment_with_the_hidden_key(kind: str) -> None:
    user, listed = paths(kind)
    service = Service({("GET", user): USER[kind], ("GET", listed): comments(kind, "someone-else", MARKER)})
    await CONVERSATIONS[kind](EVENT, TARGETS[kind], service)
    golden = json.loads((GOLDEN / f"{kind}.json").read_text(encoding="utf-8"))
    assert [shape(request) for request in service.sent] == golden


@pytest.mark.parametrize("kind", sorted(TARGETS))
async def test_a_later_event_edits_the_comment_its_user_wrote(kind: str) -> None:
    user, listed = paths(kind)
    marker = MR_MARKER if kind == "gitlabmergerequestcomment" else MARKER
    service = Service({("GET", user): USER[kind], ("GET", listed): comments(kind, "flux-bot", f"{marker}\nold")})
    await CONVERSATIONS[kind](EVENT, TARGETS[kind], service)
    last = service.sent[-1]
    assert (last.method, urlsplit(last.url).path.rsplit("/", 1)[1]) == (
        "PUT" if kind == "gitlabmergerequestcomment" else "PATCH",
        "12",
    )
    assert last.json()["body"].startswith(marker + "\n\n## Flux Status\n\nℹ️ Kustomization/flux-system/apps\n\n")
    assert "change_request" not in last.json()["body"]


@pytest.mark.parametrize(
    ("metadata", "uid", "words"),
    [
        pytest.param({}, "p-uid", "missing 'change_request'", id="no-change-request"),
        pytest.param({"change_request": "seven"}, "p-uid", "invalid 'change_request'", id="not-a-number"),
        pytest.param({"change_request": "7"}, "", "provider UID cannot be empty", id="no-uid"),
    ],
)
async def test_a_comment_needs_a_change_request_number_and_the_provider_uid(
    metadata: dict[str, str], uid: str, words: str
) -> None:
    target = Target(type="githubpullrequestcomment", address="https://github.com/org/app", provider_uid=uid)
    with pytest.raises(ProviderError, match=words):
        await CONVERSATIONS[target.type](finished(metadata=metadata), target, Service())


def service_account_key() -> tuple[str, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()  # fmt: skip
    return json.dumps({"type": "service_account", "client_email": "flux@project.iam.gserviceaccount.com",
                       "private_key_id": "k1", "private_key": pem,
                       "token_uri": "https://oauth2.example.com/token"}), key  # fmt: skip


async def test_pubsub_exchanges_the_service_account_key_then_publishes_the_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    key_json, key = service_account_key()
    service = Service({("POST", "/token"): {"access_token": "ya29.access", "expires_in": 3599}})
    target = Target(type="googlepubsub", address="my-project", channel="flux-events", token=key_json,
                    headers={"cluster": "prod"})  # fmt: skip
    await CONVERSATIONS["googlepubsub"](EVENT, target, service)

    grant, publish = service.sent
    form = dict(parse_qsl(grant.body.decode()))
    assert (grant.url, form["grant_type"]) == ("https://oauth2.example.com/token",
                                               "urn:ietf:params:oauth:grant-type:jwt-bearer")  # fmt: skip
    claims = jwt.decode(form["assertion"], key.public_key(), algorithms=["RS256"],
                        audience="https://oauth2.example.com/token")  # fmt: skip
    assert claims["iss"] == "flux@project.iam.gserviceaccount.com"
    assert "https://www.googleapis.com/auth/pubsub" in claims["scope"].split()
    golden = json.loads((GOLDEN / "googlepubsub.json").read_text(encoding="utf-8"))
    assert shape(publish) == golden
    [message] = publish.json()["messages"]
    assert json.loads(base64.b64decode(message["data"])) == EVENT.body()


async def test_pubsub_without_a_key_says_object_identity_is_not_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    target = Target(type="googlepubsub", address="my-project", channel="flux-events")
    with pytest.raises(ProviderError, match="not available in this build"):
        await CONVERSATIONS["googlepubsub"](EVENT, target, Service())


async def test_pubsub_publishes_to_an_emulator_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:8085")
    service = Service()
    await CONVERSATIONS["googlepubsub"](EVENT, Target(type="googlepubsub", address="p", channel="t"), service)
    [publish] = service.sent
    assert publish.url == "http://127.0.0.1:8085/v1/projects/p/topics/t:publish"
    assert "Authorization" not in publish.headers
