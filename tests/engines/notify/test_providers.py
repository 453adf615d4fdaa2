"""Each provider's request matches its golden file, made from the service's documented payload shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from reflow.engines.notify import BUILDERS, ProviderError, Target, build
from reflow.engines.notify.target import AlertRef
from tests.engines.notify.events import finished

TESTDATA = Path(__file__).parent / "testdata"
STATUS_KEY = "kustomization/apps/0c9c2e41"
EVENTHUB_CONNECTION = ("Endpoint=sb://flux-events.servicebus.windows.net/;SharedAccessKeyName=send;"
                       "SharedAccessKey=c2VjcmV0LWtleQ==;EntityPath=flux")  # fmt: skip

TARGETS = {
    "generic": Target(type="generic", address="https://hooks.example.com/flux", headers={"X-Team": "web"}),
    "generic-hmac": Target(type="generic-hmac", address="https://hooks.example.com/signed", token="hmac-key"),
    "slack": Target(type="slack", address="https://hooks.slack.com/services/T000/B000/XXXX", channel="#ops",
                    username="flux"),
    "discord": Target(type="discord", address="https://discord.com/api/webhooks/1234/token-part"),
    "rocket": Target(type="rocket", address="https://rocket.example.com/hooks/abc/def", channel="#ops",
                     username="flux"),
    "msteams": Target(type="msteams",
                      address="https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"),
    "googlechat": Target(type="googlechat", address="https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t"),
    "webex": Target(type="webex", address="https://webexapis.com/v1/messages", channel="room-1", token="bot-token"),
    "github": Target(type="github", address="https://github.com/org/app", token="gh-token", commit_status=STATUS_KEY),
    "gitlab": Target(type="gitlab", address="https://gitlab.com/group/sub/app.git", token="gl-token",
                     commit_status=STATUS_KEY),
    "gitea": Target(type="gitea", address="https://gitea.example.com/org/app", token="gt-token",
                    commit_status=STATUS_KEY),
    "bitbucket": Target(type="bitbucket", address="https://bitbucket.org/org/app", token="bb-user:app-password",
                        commit_status=STATUS_KEY),
    "bitbucketserver": Target(type="bitbucketserver", address="https://bitbucket.example.com/context/scm/PROJ/app.git",
                              token="bbs-token", commit_status=STATUS_KEY),
    "azuredevops": Target(type="azuredevops", address="https://dev.azure.com/org/proj/_git/app", token="ado-pat",
                          commit_status=STATUS_KEY),
    "githubdispatch": Target(type="githubdispatch", address="https://github.com/org/app", token="gh-token"),
    "telegram": Target(type="telegram", address="", channel="-100200300:42", token="123:tg-token"),
    "matrix": Target(type="matrix", address="https://matrix.example.com", channel="!room:example.com",
                     token="mx-token"),
    "lark": Target(type="lark", address="https://open.feishu.cn/open-apis/bot/v2/hook/abc"),
    "zoom": Target(type="zoom", address="https://integrations.zoom.us/chat/webhooks/incomingwebhook/abc",
                   token="zoom-verification"),
    "zulip": Target(type="zulip", address="https://zulip.example.com", channel="deployments/flux",
                    username="flux-bot@zulip.example.com", password="zulip-api-key"),
    "opsgenie": Target(type="opsgenie", address="https://api.opsgenie.com/v2/alerts", token="og-key",
                       provider_uid="p-uid"),
    "pagerduty": Target(type="pagerduty", address="https://events.pagerduty.com", channel="pd-routing-key"),
    "alertmanager": Target(type="alertmanager", address="https://alertmanager.example.com/api/v2/alerts",
                           token="am-token"),
    "incident.io": Target(type="incident.io", address="https://api.incident.io/v2/alert_events/http/01ABC",
                          token="io-token"),
    "grafana": Target(type="grafana", address="https://grafana.example.com/api/annotations", token="gf-token"),
    "datadog": Target(type="datadog", address="https://api.datadoghq.eu", token="dd-key"),
    "mastodon": Target(type="mastodon", address="https://mastodon.example.com/", token="md-token"),
    "sentry": Target(type="sentry", address="https://pubkey@o1.ingest.sentry.io/42", channel="production"),
    "otel": Target(type="otel", address="https://otel-collector.example.com:4318/v1/traces",
                   headers={"X-Scope-OrgID": "team-a"}, password="otel-token",
                   alert=AlertRef("flux-system", "on-call", "a1b2c3d4-alert-uid")),
    "nats": Target(type="nats", address="nats://nats.example.com:4222", channel="flux.events"),
    "azureeventhub": Target(type="azureeventhub", address=EVENTHUB_CONNECTION),
}  # fmt: skip


def test_every_builder_has_a_golden_file() -> None:
    assert sorted(TARGETS) == sorted(BUILDERS) == sorted(p.stem for p in TESTDATA.glob("*.json"))


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_request_matches_the_golden_file(kind: str) -> None:
    loaded = json.loads((TESTDATA / f"{kind}.json").read_text(encoding="utf-8"))
    goldens = loaded if isinstance(loaded, list) else [loaded]
    requests = build(finished(), TARGETS[kind])
    assert len(requests) == len(goldens)
    for request, golden in zip(requests, goldens, strict=True):
        headers = {k: v for k, v in request.headers.items() if k != "X-Signature"}
        assert (request.method, request.url, headers) == (
            golden.get("method", "POST"),
            golden["url"],
            golden["headers"],
        )
        if "form" in golden:
            assert dict(parse_qsl(request.body.decode())) == golden["form"]
        elif "envelope" in golden:
            header, item, payload = request.body.split(b"\n")
            assert item == json.dumps({**golden["envelope"][1], "length": len(payload)}).encode()
            assert [json.loads(header), json.loads(payload)] == [golden["envelope"][0], golden["envelope"][2]]
        else:
            assert request.json() == golden["body"]
        assert request.basic_auth == (tuple(golden["basic_auth"]) if "basic_auth" in golden else None)
        assert request.subject == golden.get("subject")


def test_generic_hmac_signs_the_exact_body_bytes_with_the_token() -> None:
    [request] = build(finished(), TARGETS["generic-hmac"])
    expected = hmac.new(b"hmac-key", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Signature"] == f"sha256={expected}"


@pytest.mark.parametrize(
    ("kind", "state"),
    [("github", "failure"), ("gitlab", "failed"), ("gitea", "failure"), ("bitbucket", "FAILED"),
     ("bitbucketserver", "FAILED"), ("azuredevops", "error")],
)  # fmt: skip
def test_commit_status_of_an_error_event_is_the_failure_state(kind: str, state: str) -> None:
    [request] = build(finished(severity="error", reason="HealthCheckFailed"), TARGETS[kind])
    assert request.json()["state"] == state
    assert request.json()["description"] == "health check failed"


@pytest.mark.parametrize(
    "kind", ["github", "gitlab", "bitbucket", "bitbucketserver", "azuredevops", "pagerduty", "incident.io"]
)
def test_progressing_events_are_not_sent_where_flux_skips_them(kind: str) -> None:
    assert build(finished(reason="Progressing"), TARGETS[kind]) == ()


def test_gitea_reports_progressing_as_pending() -> None:
    [request] = build(finished(reason="Progressing"), TARGETS["gitea"])
    assert request.json()["state"] == "pending"


def test_chat_messages_mark_errors() -> None:
    error = finished(severity="error")
    [slack], [teams] = build(error, TARGETS["slack"]), build(error, TARGETS["msteams"])
    assert slack.json()["attachments"][0]["color"] == "danger"
    assert teams.json()["attachments"][0]["content"]["body"][0]["items"][1]["color"] == "attention"


def test_slack_sends_the_token_as_bearer_for_the_web_api() -> None:
    target = Target(type="slack", address="https://slack.com/api/chat.postMessage", channel="C1", token="xoxb-1")
    [request] = build(finished(), target)
    assert request.headers["Authorization"] == "Bearer xoxb-1"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        pytest.param(Target(type="generic-hmac", address="https://h.example.com"), "needs a `token`",
                     id="hmac-no-token"),
        pytest.param(Target(type="slack", address="hooks.slack.com/x"), "expected an http", id="address-not-a-url"),
        pytest.param(Target(type="bitbucket", address="https://bitbucket.org/o/r", token="nocolon",
                            commit_status="k"), "<user>:<password>", id="bitbucket-token-format"),
        pytest.param(Target(type="github", address="https://github.com/only-owner", token="t", commit_status="k"),
                     "<owner>/<repository>", id="github-repo-id"),
        pytest.param(Target(type="bitbucketserver", address="https://bb.example.com/PROJ/app.git", token="t",
                            commit_status="k"), "/scm/", id="bitbucketserver-not-a-clone-url"),
        pytest.param(Target(type="sentry", address="https://sentry.example.com"), "invalid Sentry DSN",
                     id="sentry-dsn"),
        pytest.param(Target(type="googlepubsub", address="https://pubsub.example.com"), "cannot send to 'googlepubsub'",
                     id="type-not-supported-yet"),
    ],
)  # fmt: skip
def test_bad_provider_configuration_is_a_clear_error(target: Target, words: str) -> None:
    with pytest.raises(ProviderError) as caught:
        build(finished(), target)
    assert words in str(caught.value)


def test_commit_status_needs_a_revision_in_the_event() -> None:
    with pytest.raises(ProviderError, match="names no commit revision"):
        build(finished(metadata={}), TARGETS["github"])


def test_pagerduty_triggers_an_incident_for_an_error() -> None:
    [request] = build(finished(severity="error", reason="HealthCheckFailed"), TARGETS["pagerduty"])
    body = request.json()
    assert (body["event_action"], body["dedup_key"]) == ("trigger", "0c9c2e41-58c4-4b39-9c6a-0b1f7c5d6e7f")
    assert body["payload"]["summary"] == "health check failed: kustomization/apps"
    assert (body["payload"]["severity"], body["payload"]["group"]) == ("error", "Kustomization")


def test_mastodon_cuts_long_statuses_and_sends_the_event_key_for_idempotency() -> None:
    [request] = build(finished(message="x" * 600, key="k1"), TARGETS["mastodon"])
    status = request.json()["status"]
    assert len(status) == 500
    assert status.endswith("x…")
    assert request.headers["Idempotency-Key"] == "k1"


def test_sentry_sends_an_error_event_for_errors() -> None:
    [request] = build(finished(severity="error"), TARGETS["sentry"])
    _, item, payload = request.body.split(b"\n")
    assert json.loads(item)["type"] == "event"
    event = json.loads(payload)
    assert (event["level"], event["server_name"], event["transaction"]) == (
        "error", "kustomize-controller", "Kustomization: flux-system/apps")  # fmt: skip
    assert event["contexts"]["metadata"]["summary"] == "Production cluster"


def test_otel_marks_error_spans_and_skips_helm_repositories() -> None:
    [request] = build(finished(severity="error"), TARGETS["otel"])
    [span] = request.json()["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert span["status"]["code"] == 2
    helm = {**finished().involved, "kind": "HelmRepository", "apiVersion": "source.toolkit.fluxcd.io/v1"}
    assert build(finished(involved=helm), TARGETS["otel"]) == ()


def test_msteams_sends_the_legacy_message_card_to_office_365_connectors() -> None:
    target = Target(type="msteams", address="https://example.webhook.office.com/webhookb2/abc")
    [request] = build(finished(severity="error"), target)
    card = request.json()
    assert (card["@type"], card["themeColor"], card["summary"]) == ("MessageCard", "FF0000",
                                                                    "kustomization/apps.flux-system")  # fmt: skip
    assert card["sections"][0]["facts"][0] == {"name": "summary", "value": "Production cluster"}


def test_the_event_hubs_sas_token_signs_the_hub_uri_and_expiry_with_the_key() -> None:
    [request] = build(finished(), TARGETS["azureeventhub"])
    fields = dict(parse_qsl(request.headers["Authorization"].removeprefix("SharedAccessSignature ")))
    expiry = 1792836000 + 3600  # the event's timestamp plus an hour
    resource = "https%3A%2F%2Fflux-events.servicebus.windows.net%2Fflux"
    digest = hmac.new(b"c2VjcmV0LWtleQ==", f"{resource}\n{expiry}".encode(), hashlib.sha256).digest()
    assert fields == {"sr": "https://flux-events.servicebus.windows.net/flux", "se": str(expiry), "skn": "send",
                      "sig": base64.b64encode(digest).decode()}  # fmt: skip
    assert "c2VjcmV0LWtleQ" not in request.url + request.headers["Authorization"]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        pytest.param(Target(type="azureeventhub", address="flux", channel="ns"), "not available in this build",
                     id="eventhub-object-identity"),
        pytest.param(Target(type="azureeventhub", address=EVENTHUB_CONNECTION, token="jwt"), "cannot be set at the",
                     id="eventhub-sas-and-token"),
        pytest.param(Target(type="azureeventhub", address="Endpoint=sb://x/;SharedAccessKey=k"), "EntityPath",
                     id="eventhub-incomplete-connection"),
    ],
)  # fmt: skip
def test_a_cloud_provider_without_usable_credentials_says_why(target: Target, words: str) -> None:
    with pytest.raises(ProviderError, match=words):
        build(finished(), target)


def test_an_event_hubs_bearer_token_goes_to_the_namespace_in_channel() -> None:
    target = Target(type="azureeventhub", address="flux", channel="flux-events", token="aad-token")
    [request] = build(finished(), target)
    assert request.url == "https://flux-events.servicebus.windows.net/flux/messages?timeout=60&api-version=2014-01"
    assert request.headers["Authorization"] == "Bearer aad-token"
