"""The `sentry` provider: an error event for errors, a transaction for the rest, sent as a Sentry envelope to the
project of the DSN in the Provider's address; `channel` is the environment."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

from reflow.api.meta import Manifest
from reflow.engines.notify.event import Event
from reflow.engines.notify.target import ProviderError, Request, Target

CLIENT = "reflow-notification/1.0"


def _ids(event: Event) -> tuple[str, str, str, str]:
    """Event, trace, root span and child span ids, derived from the event so a retry sends the same event."""
    digest = hashlib.sha256(json.dumps(event.body(), sort_keys=True).encode()).hexdigest()
    extra = hashlib.sha256(digest.encode()).hexdigest()
    return digest[:32], digest[32:], extra[:16], extra[16:32]


def _payload(event: Event, environment: str) -> tuple[str, Manifest]:
    event_id, trace_id, root_id, span_id = _ids(event)
    summary = f"{event.kind}: {event.namespace}/{event.name}"
    payload: Manifest = {"event_id": event_id, "timestamp": event.timestamp, "platform": "other"}
    if environment:
        payload["environment"] = environment
    if event.severity == "error":
        payload.update(level="error", server_name=event.reporting_controller, transaction=summary,
                       message=event.message, contexts={"metadata": dict(event.metadata)})  # fmt: skip
        return "event", payload
    tags = {
        "flux_involved_object_kind": event.kind,
        "flux_involved_object_namespace": event.namespace,
        "flux_involved_object_name": event.name,
        "flux_reporting_controller": event.reporting_controller,
        "flux_reporting_instance": event.reporting_instance,
        "flux_reason": event.reason,
        **event.metadata,
    }
    span = {"trace_id": trace_id, "span_id": span_id, "parent_span_id": root_id, "op": "event",
            "start_timestamp": event.timestamp, "timestamp": event.timestamp, "tags": tags}  # fmt: skip
    payload.update(type="transaction", transaction=summary, message=event.message, start_timestamp=event.timestamp,
                   contexts={"trace": {"trace_id": trace_id, "span_id": root_id, "op": "event"}}, tags=tags,
                   spans=[span])  # fmt: skip
    return "transaction", payload


def sentry(event: Event, target: Target) -> Request:
    """`POST /api/{project}/envelope/` with the DSN's public key in `X-Sentry-Auth`."""
    parts = urlsplit(target.address)
    prefix, _, project = parts.path.rstrip("/").rpartition("/")
    if parts.scheme not in ("http", "https") or not parts.username or not project or not parts.hostname:
        raise ProviderError("invalid Sentry DSN: expected https://<public key>@<host>/<project id> as the address")
    kind, payload = _payload(event, target.channel)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    header = json.dumps({"event_id": payload["event_id"]}).encode()
    item = json.dumps({"type": kind, "length": len(body)}).encode()
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    auth = f"Sentry sentry_version=7, sentry_client={CLIENT}, sentry_key={parts.username}"
    envelope = b"\n".join((header, item, body))
    return Request(url=f"{parts.scheme}://{host}{prefix}/api/{project}/envelope/", body=envelope,
                   headers={"Content-Type": "application/x-sentry-envelope", "X-Sentry-Auth": auth})  # fmt: skip
