"""Incident and observability providers: Opsgenie, PagerDuty, Alertmanager, incident.io, Grafana annotations and
Datadog events, each in the shape its API documents."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from reflow.api.meta import Manifest
from reflow.engines.notify.event import Event
from reflow.engines.notify.target import (
    ProviderError,
    Request,
    Target,
    http_url,
    json_request,
    object_name,
    reason_words,
)

PROGRESSING = "Progressing"
OPSGENIE_API = "https://api.opsgenie.com/v2/alerts"
PAGERDUTY_API = "https://events.pagerduty.com"


def _unix(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def _needs_token(target: Target, what: str) -> None:
    if not target.token:
        raise ProviderError(f"{what} needs a `token` in the Provider's Secret")


def opsgenie(event: Event, target: Target) -> Request:
    """An Opsgenie alert; the alias (per provider, object and reason) lets Opsgenie group repeats."""
    _needs_token(target, "opsgenie")
    key = f"{target.provider_uid}/{event.kind}/{event.namespace}/{event.name}/{event.reason}"
    payload = {
        "message": f"{event.kind}/{event.name}",
        "alias": hashlib.sha256(key.encode()).hexdigest(),
        "description": event.message,
        "details": {**event.metadata, "severity": event.severity},
    }
    address = http_url(target.address or OPSGENIE_API, "Opsgenie")
    return json_request(address, payload, {"Authorization": f"GenieKey {target.token}"})


def pagerduty(event: Event, target: Target) -> tuple[Request, ...] | None:
    """An Events API v2 event (error: trigger, else resolve, deduplicated by the object's uid), plus a change
    event for info; the routing key is the Provider's `channel`."""
    if event.reason == PROGRESSING:
        return None
    if not target.channel:
        raise ProviderError("pagerduty needs the integration's routing key as spec.channel")
    parts = urlsplit(http_url(target.address or PAGERDUTY_API, "PagerDuty"))
    endpoint = f"{parts.scheme}://{parts.netloc}"
    name, summary = f"{event.kind}/{event.name}".lower(), reason_words(event.reason)
    details = {"message": event.message, "metadata": dict(event.metadata)}
    source = f"Flux {event.reporting_controller}"
    alert: Manifest = {"routing_key": target.channel, "event_action": "resolve",
                       "dedup_key": str(event.involved.get("uid", ""))}  # fmt: skip
    if event.severity == "error":
        alert["event_action"] = "trigger"
        alert["payload"] = {"summary": f"{summary}: {name}", "source": source, "severity": "error",
                            "timestamp": event.timestamp, "component": event.name, "group": event.kind,
                            "custom_details": details}  # fmt: skip
    requests = [json_request(f"{endpoint}/v2/enqueue", alert)]
    if event.severity == "info":
        change = {
            "routing_key": target.channel,
            "payload": {
                "summary": f"{summary}: {name}",
                "source": source,
                "timestamp": event.timestamp,
                "custom_details": details,
            },
        }
        requests.append(json_request(f"{endpoint}/v2/change/enqueue", change))  # fmt: skip
    return tuple(requests)


def alertmanager(event: Event, target: Target) -> Request:
    """One firing alert for Alertmanager's `POST /api/v2/alerts`: the metadata as labels (with Flux's
    `alertname`, severity, reason, kind, name, namespace), the message and summary as annotations."""
    metadata = dict(event.metadata)
    annotations = {"message": event.message}
    if "summary" in metadata:
        annotations["summary"] = metadata.pop("summary")
    labels = {
        **metadata,
        "alertname": f"Flux{event.kind}{event.reason[:1].upper()}{event.reason[1:].lower()}",
        "severity": event.severity,
        "reason": event.reason,
        "kind": event.kind,
        "name": event.name,
        "namespace": event.namespace,
        "reportingcontroller": event.reporting_controller,
    }
    payload = [{"status": "firing", "labels": labels, "annotations": annotations, "startsAt": event.timestamp}]
    headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
    basic = (target.username, target.password) if target.username and target.password else None
    return json_request(http_url(target.address, "Alertmanager"), payload, headers, basic_auth=basic)


def incidentio(event: Event, target: Target) -> Request | None:
    """An incident.io HTTP alert source event: firing for errors, resolved otherwise, one per object."""
    if event.reason == PROGRESSING:
        return None
    _needs_token(target, "incident.io")
    metadata = {**event.metadata, "severity": event.severity, "reason": event.reason}
    if event.reporting_controller:
        metadata["reportingController"] = event.reporting_controller
    payload = {
        "title": f"{object_name(event.kind, event.name, event.namespace)}: {event.reason}",
        "status": "firing" if event.severity == "error" else "resolved",
        "deduplication_key": str(event.involved.get("uid", "")),
        "description": event.message,
        "metadata": metadata,
    }
    return json_request(http_url(target.address, "incident.io"), payload, {"Authorization": f"Bearer {target.token}"})


def grafana(event: Event, target: Target) -> Request:
    """A Grafana annotation (`POST /api/annotations`) tagged with the controller, metadata and object."""
    tags = ["flux", event.reporting_controller]
    tags += [f"{key.replace(':', '|')}: {value.replace(':', '|')}" for key, value in sorted(event.metadata.items())]
    tags += [f"kind: {event.kind}", f"name: {event.name}", f"namespace: {event.namespace}"]
    payload = {"when": _unix(event.timestamp), "text": object_name(event.kind, event.name, event.namespace),
               "tags": tags}  # fmt: skip
    headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
    basic = (target.username, target.password) if not target.token and target.username and target.password else None
    return json_request(http_url(target.address, "Grafana"), payload, headers, basic_auth=basic)


def datadog(event: Event, target: Target) -> Request:
    """A Datadog event (`POST /api/v1/events` on the site of the address) with the API key in `DD-API-KEY`."""
    _needs_token(target, "datadog")
    parts = urlsplit(http_url(target.address or "https://api.datadoghq.com", "Datadog"))
    tags = [
        f"flux_reporting_controller:{event.reporting_controller}",
        f"flux_reason:{event.reason}",
        f"kube_kind:{event.kind}",
        f"kube_name:{event.name}",
        f"kube_namespace:{event.namespace}",
    ]
    tags += [f"{key}:{value}" for key, value in sorted(event.metadata.items())]
    payload = {
        "title": f"Events from the {event.kind} {event.name}/{event.namespace}",
        "text": event.message,
        "tags": [tag.lower() for tag in tags],
        "source_type_name": "fluxcd",
        "date_happened": _unix(event.timestamp),
        "alert_type": "error" if event.severity == "error" else "info",
    }  # fmt: skip
    return json_request(f"{parts.scheme}://{parts.netloc}/api/v1/events", payload, {"DD-API-KEY": target.token})
