"""Events of reflow's controllers reach Providers through Alerts, against the real plane and loopback targets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from reflow.kube.client import Kube
from tests.controllers.events import events_until
from tests.controllers.kustomize.sources import MakeSource, ready_for
from tests.controllers.notification.targets import Received, Recorder
from tests.managers import StartControllers

NOTIFICATION = "notification.toolkit.fluxcd.io/v1"


def config_map(name: str, namespace: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n  a: b\n"


def secret(name: str, namespace: str, **data: str) -> dict[str, object]:
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}, "data": encoded}


def provider(name: str, namespace: str, **spec: object) -> dict[str, object]:
    return {"apiVersion": NOTIFICATION, "kind": "Provider", "metadata": {"name": name, "namespace": namespace},
            "spec": spec}  # fmt: skip


def alert(name: str, namespace: str, provider_name: str, **spec: object) -> dict[str, object]:
    return {"apiVersion": NOTIFICATION, "kind": "Alert", "metadata": {"name": name, "namespace": namespace},
            "spec": {"providerRef": {"name": provider_name},
                     "eventSources": [{"kind": "Kustomization", "name": "*"}], **spec}}  # fmt: skip


def at(requests: list[Received], prefix: str) -> list[Received]:
    return [r for r in requests if r.path.startswith(prefix)]


def applied(requests: list[Received]) -> list[Received]:
    """The change-set events the hook received."""
    return [r for r in at(requests, "/hook") if json.loads(r.body)["reason"] == "ReconciliationSucceeded"]


async def test_kustomization_events_reach_generic_hmac_signed_and_github_as_a_commit_status(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource, recorder: Recorder
) -> None:
    files = {"app/a.yaml": config_map("a", namespace), "noisy/n.yaml": config_map("noisy-cm", namespace)}
    source, revision = await git_source(files)
    sha = revision.rpartition(":")[2]
    await kube.create(secret("hmac", namespace, token="hmac-key"))
    await kube.create(secret("github", namespace, token="gh-token"))
    await kube.create(provider("hook", namespace, type="generic-hmac", address=f"{recorder.url}/hook",
                               secretRef={"name": "hmac"}))  # fmt: skip
    github = await kube.create(provider("github", namespace, type="github", address=f"{recorder.url}/org/app",
                                        secretRef={"name": "github"}))  # fmt: skip
    await kube.create(provider("all", namespace, type="generic", address=f"{recorder.url}/all"))
    await kube.create(alert("hook", namespace, "hook", exclusionList=["noisy-cm"], eventMetadata={"env": "test"}))
    await kube.create(alert("all", namespace, "all"))
    await kube.create(alert("status", namespace, "github"))
    await start_controllers("source", "kustomize", "notification")
    await kube.create(source.kustomization("app", path="./app"))
    await kube.create(source.kustomization("noisy", path="./noisy"))
    await source.until("app", ready_for(revision))
    await source.until("noisy", ready_for(revision))

    statuses = "/api/v3/repos/org/app/statuses/"

    def noisy(requests: list[Received], prefix: str) -> list[Received]:
        return [r for r in at(requests, prefix) if "noisy-cm" in json.loads(r.body)["message"]]

    requests = await recorder.until(
        lambda got: len(at(got, statuses)) == 2 and bool(applied(got)) and bool(noisy(got, "/all"))
    )
    assert noisy(requests, "/hook") == []
    [hooked] = applied(requests)
    signature = hmac.new(b"hmac-key", hooked.body, hashlib.sha256).hexdigest()
    assert hooked.headers["X-Signature"] == f"sha256={signature}"
    assert hooked.headers["Gotk-Component"] == "kustomize-controller"
    body = json.loads(hooked.body)
    assert body["involvedObject"]["kind"] == "Kustomization"
    assert body["involvedObject"]["name"] == "app"
    assert (body["severity"], body["reason"], body["action"]) == ("info", "ReconciliationSucceeded", "Apply")
    assert body["message"] == f"ConfigMap/{namespace}/a created"
    assert body["metadata"] == {"revision": revision, "env": "test"}
    assert body["reportingController"] == "kustomize-controller"
    related = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "name": source.name,
               "namespace": namespace}  # fmt: skip
    assert body["relatedObject"] == related

    uid = github["metadata"]["uid"].split("-")[0]
    posted = {json.loads(r.body)["context"]: (r.path, json.loads(r.body), r.headers) for r in at(requests, statuses)}
    assert set(posted) == {f"kustomization/app/{uid}", f"kustomization/noisy/{uid}"}
    path, status, headers = posted[f"kustomization/app/{uid}"]
    assert path == statuses + sha
    assert (status["state"], status["description"]) == ("success", "reconciliation succeeded")
    assert headers["Authorization"] == "Bearer gh-token"


async def test_a_repeated_failure_is_sent_once_and_a_failing_provider_becomes_a_warning_on_the_alert(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource, recorder: Recorder
) -> None:
    source, _ = await git_source({"app/a.yaml": config_map("a", namespace)})
    await kube.create(provider("hook", namespace, type="generic", address=f"{recorder.url}/hook"))
    await kube.create(provider("down", namespace, type="generic-hmac", address=f"{recorder.url}/down",
                               secretRef={"name": "missing"}))  # fmt: skip
    await kube.create(alert("hook", namespace, "hook", eventSeverity="error"))
    await kube.create(alert("down", namespace, "down", eventSeverity="error"))
    await start_controllers("source", "kustomize", "notification")
    await kube.create(source.kustomization("broken", path="./missing", retryInterval="1s"))

    def failures(items: list[dict[str, object]]) -> list[dict[str, object]]:
        return [e for e in items if e["involvedObject"]["name"] == "broken" and e["type"] == "Warning"]  # type: ignore[index]

    await events_until(kube, namespace, lambda items: len(failures(items)) >= 3, what="three failures")
    warned = await events_until(
        kube, namespace,
        lambda items: any(e["involvedObject"]["kind"] == "Alert" and e["reason"] == "NotificationDispatchFailed"
                          for e in items),
        what="a dispatch failure on the Alert",
    )  # fmt: skip
    [on_alert, *_] = [e for e in warned if e["involvedObject"]["kind"] == "Alert"]
    assert on_alert["involvedObject"]["name"] == "down"
    assert f"failed to get secret '{namespace}/missing'" in on_alert["message"]
    # A later failure of another object passes the same recorder queue after the three: once it arrives, the
    # repeats of "broken" have been through the rate limit.
    await kube.create(source.kustomization("marker", path="./also-missing"))
    requests = await recorder.until(lambda got: any(b"marker" in r.body for r in at(got, "/hook")))
    hooked = [r for r in at(requests, "/hook") if json.loads(r.body)["involvedObject"]["name"] == "broken"]
    assert len(hooked) == 1
    assert json.loads(hooked[0].body)["severity"] == "error"


def kustomization_event(namespace: str, message: str) -> dict[str, object]:
    return {
        "involvedObject": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "name": "apps",
                           "namespace": namespace},
        "severity": "info", "timestamp": "2026-10-24T10:00:00Z", "message": message, "reason": "Progressing",
        "action": "Reconcile", "reportingController": "kustomize-controller",
    }  # fmt: skip


async def test_cross_namespace_events_are_refused_under_no_cross_namespace_refs(
    kube: Kube, namespace: str, start_controllers: StartControllers, recorder: Recorder
) -> None:
    await kube.create(provider("hook", namespace, type="generic", address=f"{recorder.url}/hook"))
    sources = [{"kind": "Kustomization", "name": "*", "namespace": "elsewhere"}, {"kind": "Kustomization", "name": "*"}]
    await kube.create(alert("hook", namespace, "hook", eventSources=sources))
    manager = await start_controllers("notification", controller_options={"no_cross_namespace_refs": True})
    deliver = manager.local_events.deliver
    assert deliver is not None
    for key in manager.cache.informer_keys():
        await manager.cache.informer(kube, key.scope).wait_synced()
    assert await deliver(kustomization_event("elsewhere", "from another namespace")) == 202
    assert await deliver(kustomization_event(namespace, "from the alert's namespace")) == 202

    requests = await recorder.until(lambda got: bool(at(got, "/hook")))
    assert [json.loads(r.body)["message"] for r in requests] == ["from the alert's namespace"]
    events = await events_until(
        kube, namespace, lambda items: any(e["reason"] == "NotificationDispatchFailed" for e in items)
    )
    [refused] = [e for e in events if e["reason"] == "NotificationDispatchFailed"]
    assert refused["involvedObject"]["kind"] == "Alert"
    assert "cross-namespace references have been blocked" in refused["message"]


async def test_an_alert_message_template_renders_what_the_provider_receives(
    kube: Kube, namespace: str, start_controllers: StartControllers, recorder: Recorder
) -> None:
    await kube.create(provider("hook", namespace, type="generic", address=f"{recorder.url}/hook"))
    await kube.create(alert("hook", namespace, "hook", messageTemplate="${kind}/${name} [${env:=dev}]: ${message}",
                            eventMetadata={"env": "prod"}))  # fmt: skip
    manager = await start_controllers("notification")
    for key in manager.cache.informer_keys():
        await manager.cache.informer(kube, key.scope).wait_synced()
    assert manager.local_events.deliver is not None
    assert await manager.local_events.deliver(kustomization_event(namespace, "applied")) == 202
    [received] = await recorder.until(lambda got: bool(at(got, "/hook")))
    assert json.loads(received.body)["message"] == "Kustomization/apps [prod]: applied"


async def test_a_provider_answering_500_is_retried_then_reported_on_the_alert_without_its_token(
    kube: Kube, namespace: str, start_controllers: StartControllers, recorder: Recorder
) -> None:
    recorder.status, recorder.echo = 500, True
    await kube.create(secret("hook", namespace, token="very-secret-token"))
    await kube.create(provider("hook", namespace, type="slack", address=f"{recorder.url}/hook",
                               secretRef={"name": "hook"}, timeout="3s"))  # fmt: skip
    await kube.create(alert("hook", namespace, "hook"))
    manager = await start_controllers("notification")
    for key in manager.cache.informer_keys():
        await manager.cache.informer(kube, key.scope).wait_synced()
    assert manager.local_events.deliver is not None
    assert await manager.local_events.deliver(kustomization_event(namespace, "applied")) == 202

    events = await events_until(
        kube, namespace, lambda items: any(e["reason"] == "NotificationDispatchFailed" for e in items)
    )
    [failed] = [e for e in events if e["reason"] == "NotificationDispatchFailed"]
    assert failed["involvedObject"]["name"] == "hook"
    assert "status code 500" in failed["message"]
    assert "Bearer *****" in failed["message"], "the service echoed the token; the event shows it masked"
    assert "very-secret-token" not in failed["message"]
    assert len(at(recorder.requests, "/hook")) >= 2, "retried before giving up"


async def test_events_carry_the_kustomize_controller_action_of_the_step(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource, recorder: Recorder
) -> None:
    source, _ = await git_source({"app/a.yaml": config_map("a", namespace)})
    await kube.create(provider("hook", namespace, type="generic", address=f"{recorder.url}/hook"))
    await kube.create(alert("hook", namespace, "hook"))
    await start_controllers("source", "kustomize", "notification")
    await kube.create(source.kustomization("waits", path="./app", dependsOn=[{"name": "missing"}]))

    def waiting(requests: list[Received]) -> list[dict[str, object]]:
        bodies = [json.loads(r.body) for r in at(requests, "/hook")]
        return [b for b in bodies if b["reason"] == "DependencyNotReady"]

    [first, *_] = waiting(await recorder.until(lambda got: bool(waiting(got))))
    assert first["action"] == "CheckDependencies"
    assert first["severity"] == "info"


async def test_a_change_request_gets_a_comment_and_pubsub_gets_the_event_through_the_emulator(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_source: MakeSource,
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", recorder.url.removeprefix("http://"))
    source, revision = await git_source({"app/a.yaml": config_map("a", namespace)})
    await kube.create(secret("gitea", namespace, token="gt-token"))
    await kube.create(provider("pr", namespace, type="giteapullrequestcomment", address=f"{recorder.url}/org/app",
                               secretRef={"name": "gitea"}))  # fmt: skip
    await kube.create(provider("bus", namespace, type="googlepubsub", address="proj", channel="flux"))
    await kube.create(alert("pr", namespace, "pr"))
    await kube.create(alert("bus", namespace, "bus"))
    await start_controllers("source", "kustomize", "notification")
    preview = source.kustomization("app", path="./app")
    preview["metadata"]["annotations"] = {"event.toolkit.fluxcd.io/change_request": "7"}
    await kube.create(preview)
    await source.until("app", ready_for(revision))

    comments, publish = "/api/v1/repos/org/app/issues/7/comments", "/v1/projects/proj/topics/flux:publish"

    def posted(requests: list[Received], path: str) -> list[Received]:
        return [r for r in requests if r.method == "POST" and r.path == path]

    requests = await recorder.until(lambda got: bool(posted(got, comments)) and bool(posted(got, publish)))
    assert [r.path for r in requests if r.path == "/api/v1/user"]
    comment = json.loads(posted(requests, comments)[0].body)["body"]
    assert comment.startswith("<!-- flux-pr-comment-key:")
    assert f"Kustomization/{namespace}/app" in comment
    assert posted(requests, comments)[0].headers["Authorization"] == "token gt-token"
    message = json.loads(posted(requests, publish)[0].body)["messages"][0]
    event = json.loads(base64.b64decode(message["data"]))
    assert event["involvedObject"]["name"] == "app"
    assert event["metadata"]["change_request"] == "7"
