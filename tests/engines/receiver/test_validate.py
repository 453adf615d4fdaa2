"""Each Receiver type accepts what its sender signs and refuses anything else, with a reason and never the token."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import pytest

from reflow.engines.receiver.validate import Check, Hook, InvalidHook, validate

TOKEN = b"s3cr3t-t0ken"
BODY = json.dumps({"ref": "refs/heads/main"}).encode()
JSON = {"Content-Type": "application/json"}


def signed(body: bytes, digest: str = "sha256", key: bytes = TOKEN) -> str:
    return f"{digest}=" + hmac.new(key, body, getattr(hashlib, digest)).hexdigest()


def hook(headers: Mapping[str, str], body: bytes = BODY) -> Hook:
    return Hook.of(headers, body)


def check(*events: str, **secret: bytes) -> Check:
    return Check({"token": TOKEN, **secret}, events)


ACCEPTED = [
    pytest.param("generic", hook({}), check(), "generic request", id="generic"),
    pytest.param("generic-hmac", hook({"X-Signature": signed(BODY)}), check(), "generic-hmac", id="hmac-sha256"),
    pytest.param("generic-hmac", hook({"X-Signature": signed(BODY, "sha1")}), check(), "generic-hmac", id="hmac-sha1"),
    pytest.param("generic-hmac", hook({"x-signature": signed(BODY, "sha512")}), check(), "generic-hmac",
                 id="hmac-sha512-lowercase-header"),
    pytest.param("github", hook({**JSON, "X-Hub-Signature-256": signed(BODY), "X-GitHub-Event": "push"}),
                 check("ping", "push"), "GitHub event: push", id="github-push"),
    pytest.param("github", hook({**JSON, "X-Hub-Signature": signed(BODY, "sha1"), "X-GitHub-Event": "Push"}),
                 check("push"), "GitHub event: Push", id="github-sha1-event-case-insensitive"),
    pytest.param("github", hook({"Content-Type": "application/x-www-form-urlencoded",
                                 "X-Hub-Signature-256": signed(b"payload=%7B%7D"), "X-GitHub-Event": "ping"},
                                b"payload=%7B%7D"),
                 check(), "GitHub event: ping", id="github-form"),
    pytest.param("gitlab", hook({"X-Gitlab-Token": TOKEN.decode(), "X-Gitlab-Event": "Push Hook"}),
                 check("Push Hook"), "GitLab event: Push Hook", id="gitlab"),
    pytest.param("bitbucket", hook({**JSON, "X-Hub-Signature": signed(BODY), "X-Event-Key": "repo:refs_changed"}),
                 check(), "Bitbucket server event: repo:refs_changed", id="bitbucket"),
    pytest.param("harbor", hook({"Authorization": TOKEN.decode()}), check(), "Harbor event", id="harbor"),
    pytest.param("dockerhub", hook({}, b'{"push_data":{"tag":"1.0"},"repository":{"repo_url":"r"}}'), check(),
                 "DockerHub event from r for tag 1.0", id="dockerhub"),
    pytest.param("quay", hook({}, b'{"docker_url":"quay.io/o/r"}'), check(), "Quay event from quay.io/o/r", id="quay"),
    pytest.param("acr", hook({}, b'{"target":{"repository":"r","tag":"2"}}'), check(), "ACR event from r for tag 2",
                 id="acr"),
    pytest.param("nexus", hook({"X-Nexus-Webhook-Signature": hmac.new(TOKEN, BODY, hashlib.sha1).hexdigest()}),
                 check(), "Nexus event from", id="nexus"),
    pytest.param("cdevents",
                 hook({"Ce-Type": "dev.cdevents.change.merged.0.1.2"},
                      json.dumps({"context": {"id": "1", "source": "s", "type": "dev.cdevents.change.merged.0.1.2",
                                              "timestamp": "2026-01-01T00:00:00Z", "specversion": "0.4.1"},
                                  "subject": {"content": {}}}).encode()),
                 check("dev.cdevents.change.merged.0.1.2"), "CDEvent: dev.cdevents.change.merged.0.1.2", id="cdevents"),
]  # fmt: skip


@pytest.mark.parametrize(("receiver_type", "request_", "given", "description"), ACCEPTED)
def test_a_request_signed_as_its_sender_signs_is_accepted(
    receiver_type: str, request_: Hook, given: Check, description: str
) -> None:
    assert validate(receiver_type, request_, given).description.startswith(description)


def test_a_form_encoded_github_hook_hands_on_its_payload_field() -> None:
    body = b"payload=%7B%22a%22%3A1%7D"
    request_ = hook({"Content-Type": "application/x-www-form-urlencoded", "X-Hub-Signature-256": signed(body)}, body)
    assert validate("github", request_, check()).payload == b'{"a":1}'


REFUSED = [
    pytest.param("generic-hmac", hook({"X-Signature": signed(BODY, key=b"other")}), check(), "signature check failed",
                 id="hmac-wrong-key"),
    pytest.param("generic-hmac", hook({}), check(), "missing signature", id="hmac-unsigned"),
    pytest.param("generic-hmac", hook({"X-Signature": "md5=00"}), check(), "unknown hash type", id="hmac-md5"),
    pytest.param("generic-hmac", hook({"X-Signature": "sha256=zz"}), check(), "error decoding", id="hmac-not-hex"),
    pytest.param("github", hook({**JSON, "X-Hub-Signature-256": signed(b"{}"), "X-GitHub-Event": "push"}), check(),
                 "signature check failed", id="github-body-tampered"),
    pytest.param("github", hook({**JSON, "X-GitHub-Event": "push"}), check(), "missing signature",
                 id="github-unsigned"),
    pytest.param("github", hook({"X-Hub-Signature-256": signed(BODY)}), check(), "no media type",
                 id="github-no-content-type"),
    pytest.param("github", hook({**JSON, "X-Hub-Signature-256": signed(BODY), "X-GitHub-Event": "ping"}),
                 check("push"), "GitHub event 'ping' is not authorised", id="github-event-not-accepted"),
    pytest.param("gitlab", hook({"X-Gitlab-Token": "wrong"}), check(), "does not match", id="gitlab-wrong-token"),
    pytest.param("gitlab", hook({"X-Gitlab-Token": TOKEN.decode(), "X-Gitlab-Event": "Tag Push Hook"}),
                 check("Push Hook"), "GitLab event 'Tag Push Hook' is not authorised", id="gitlab-event"),
    pytest.param("bitbucket", hook({**JSON, "X-Hub-Signature": signed(BODY, key=b"x")}), check(),
                 "signature check failed", id="bitbucket-wrong-key"),
    pytest.param("harbor", hook({"Authorization": "Bearer nope"}), check(), "does not match", id="harbor"),
    pytest.param("quay", hook({}, b"[1]"), check(), "cannot decode Quay", id="quay-not-an-object"),
    pytest.param("dockerhub", hook({}, b"not json"), check(), "cannot decode DockerHub", id="dockerhub-not-json"),
    pytest.param("nexus", hook({}), check(), "signature is missing", id="nexus-unsigned"),
    pytest.param("nexus", hook({"X-Nexus-Webhook-Signature": "00"}), check(), "invalid Nexus signature",
                 id="nexus-wrong"),
    pytest.param("cdevents", hook({}, b'{"context":{}}'), check(), "'context' and 'subject'", id="cdevents-shape"),
    pytest.param("generic", hook({}), Check({"other": b"x"}, ()), "required field 'token'", id="secret-no-token"),
]  # fmt: skip


@pytest.mark.parametrize(("receiver_type", "request_", "given", "words"), REFUSED)
def test_a_request_its_sender_did_not_sign_is_refused_with_a_reason_but_not_the_token(
    receiver_type: str, request_: Hook, given: Check, words: str
) -> None:
    with pytest.raises(InvalidHook, match=words) as raised:
        validate(receiver_type, request_, given)
    assert TOKEN.decode() not in str(raised.value)
