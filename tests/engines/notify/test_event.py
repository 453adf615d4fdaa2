"""Event ingest rules: Flux's schema (v1beta1 and v1), metadata clean-up and the rate-limit key."""

from __future__ import annotations

import hashlib
import json

import pytest

from reflow.engines.notify import InvalidEvent, RateLimiter, cleaned, parse_event, rate_key, without_token
from tests.engines.notify.events import INVOLVED

V1BETA1 = {
    "involvedObject": INVOLVED,
    "severity": "info",
    "timestamp": "2026-10-24T10:00:00Z",
    "message": "Applied revision: main@sha1:abc",
    "reason": "ReconciliationSucceeded",
    "metadata": {
        "kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc",
        "kustomize.toolkit.fluxcd.io/checksum": "x",
        "kustomize.toolkit.fluxcd.io/digest": "sha256:x",
        "kustomize.toolkit.fluxcd.io/token": "t1",
        "event.toolkit.fluxcd.io/env": "prod",
        "other.example.com/key": "dropped",
    },
    "reportingController": "kustomize-controller",
    "reportingInstance": "pod-1",
}
V1 = {**V1BETA1, "action": "Reconcile", "relatedObject": {"kind": "GitRepository", "name": "app"}}


def body(**changes: object) -> bytes:
    return json.dumps({**V1BETA1, **changes}).encode()


def test_v1beta1_and_v1_events_are_accepted() -> None:
    old, new = parse_event(json.dumps(V1BETA1).encode()), parse_event(json.dumps(V1).encode())
    assert (old.action, old.related) == ("", None)
    assert (new.action, new.related) == ("Reconcile", {"kind": "GitRepository", "name": "app"})
    assert new.body()["relatedObject"] == {"kind": "GitRepository", "name": "app"}


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        pytest.param(b"{not json", "not JSON", id="not-json"),
        pytest.param(b"[]", "not a JSON object", id="not-an-object"),
        pytest.param(body(involvedObject=None), "involvedObject is required", id="no-involved-object"),
        pytest.param(body(involvedObject={"kind": "Kustomization"}), "involvedObject.name", id="no-name"),
        pytest.param(body(severity="warning"), "severity 'warning'", id="unknown-severity"),
        pytest.param(body(timestamp="yesterday"), "RFC 3339", id="bad-timestamp"),
        pytest.param(body(message="x" * 39001), "longer than 39000", id="message-too-long"),
        pytest.param(body(reason=""), "reason is required", id="no-reason"),
        pytest.param(body(reportingController=None), "reportingController is required", id="no-controller"),
        pytest.param(body(metadata={"a": 1}), "metadata must map strings", id="metadata-not-strings"),
    ],
)
def test_malformed_events_are_refused_with_the_reason(raw: bytes, words: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(raw)
    assert words in str(caught.value)


def test_clean_up_keeps_the_controller_and_annotation_keys_without_checksum_and_digest() -> None:
    event = cleaned(parse_event(body()))
    assert dict(event.metadata) == {
        "kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc",
        "kustomize.toolkit.fluxcd.io/token": "t1",
        "event.toolkit.fluxcd.io/env": "prod",
    }
    assert "kustomize.toolkit.fluxcd.io/token" not in without_token(event).metadata


def test_rate_key_is_flux_key_over_object_message_revisions_and_token() -> None:
    event = cleaned(parse_event(body()))
    text = ("event/name=apps/namespace=flux-system/kind=Kustomization/message=Applied revision: main@sha1:abc"
            "/revision=main@sha1:abc/token=t1")  # fmt: skip
    assert rate_key(event) == hashlib.sha256(text.encode()).hexdigest()
    other_token = {**V1BETA1["metadata"], "kustomize.toolkit.fluxcd.io/token": "t2"}  # type: ignore[dict-item]
    assert rate_key(cleaned(parse_event(body(metadata=other_token)))) != rate_key(event)
    assert rate_key(cleaned(parse_event(body(reportingInstance="pod-2")))) == rate_key(event)


def test_rate_limiter_admits_a_key_once_per_interval() -> None:
    now = [0.0]
    limiter = RateLimiter(300, clock=lambda: now[0])
    assert limiter.allow("a")
    assert not limiter.allow("a")
    assert limiter.allow("b")
    now[0] = 299.9
    assert not limiter.allow("a")
    now[0] = 300.0
    assert limiter.allow("a")
