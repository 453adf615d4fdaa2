"""The `otel` provider: each event as one span, in OTLP/HTTP's JSON encoding, to the collector URL in the address.

The trace id comes from the Alert's uid and the revision (as Flux's), so the events of one revision through
one Alert form one trace; the service is the Alert (`<namespace>/<name>`)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from reflow.api.meta import Manifest
from reflow.engines.notify.event import Event
from reflow.engines.notify.target import Request, Target, http_url, json_request

SCOPE = "flux:notification-controller"
STATUS_OK, STATUS_ERROR = 1, 2
SPAN_KIND_INTERNAL = 1


def _text(key: str, value: str) -> Manifest:
    return {"key": key, "value": {"stringValue": value}}


def _nanos(timestamp: str) -> str:
    seconds = int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())
    return str(seconds * 1_000_000_000)


def revision_of(metadata: dict[str, str]) -> str:
    """`app-version@oci-digest` for Helm charts from OCI, else `revision`, else `unknown` (Flux's order)."""
    if "oci-digest" in metadata and "app-version" in metadata:
        return f"{metadata['app-version']}@{metadata['oci-digest']}"
    return metadata.get("revision", "unknown")


def otel(event: Event, target: Target) -> Request | None:
    """An OTLP `ExportTraceServiceRequest` with one span named `<Kind>: <namespace>/<name>`; HelmRepository events
    are not sent (they start no deployment)."""
    if event.kind == "HelmRepository":
        return None
    alert = target.alert
    trace = hashlib.sha256(f"{alert.uid}:{revision_of(dict(event.metadata))}".encode()).hexdigest()[:32]
    span_id = hashlib.sha256(f"{trace}:{event.kind}/{event.namespace}/{event.name}:{event.reason}:"
                             f"{event.timestamp}".encode()).hexdigest()[:16]  # fmt: skip
    attributes = [
        _text("object.uid", str(event.involved.get("uid", ""))),
        _text("object.kind", event.kind),
        _text("object.name", event.name),
        _text("object.namespace", event.namespace),
        *(_text(key, value) for key, value in sorted(event.metadata.items())),
    ]
    span = {
        "traceId": trace,
        "spanId": span_id,
        "name": f"{event.kind}: {event.namespace}/{event.name}",
        "kind": SPAN_KIND_INTERNAL,
        "startTimeUnixNano": _nanos(event.timestamp),
        "endTimeUnixNano": _nanos(event.timestamp),
        "attributes": attributes,
        "status": {"code": STATUS_ERROR if event.severity == "error" else STATUS_OK, "message": event.message},
    }
    resource = {"attributes": [_text("service.name", f"{alert.namespace}/{alert.name}"),
                               _text("service.namespace", alert.namespace),
                               _text("service.instance.id", alert.uid)]}  # fmt: skip
    payload = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": SCOPE}, "spans": [span]}]}]}
    headers = dict(target.headers)
    if headers and "Authorization" not in headers:
        if not target.username:
            headers["Authorization"] = f"Bearer {target.password}"
        elif target.password:
            credentials = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
            headers["Authorization"] = f"Basic {credentials}"
    return json_request(http_url(target.address, "OpenTelemetry"), payload, headers)
