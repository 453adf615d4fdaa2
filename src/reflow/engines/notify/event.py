"""The events the notification controller takes in: Flux's event schema (v1beta1 and v1), checked and cleaned."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from reflow.api.annotations import EVENT_PREFIX
from reflow.api.meta import Manifest, group_of

SEVERITIES = ("trace", "info", "error")
MESSAGE_LIMIT = 39000
"""Longest message accepted, in characters (Flux's schema limit)."""
CHECKSUM = "checksum"
DIGEST = "digest"
TOKEN = "token"
REVISION = "revision"
ORIGIN_REVISION = "originRevision"
COMMIT = "commit"
COMMIT_STATUS = "commit_status"
COMMIT_STATUS_UPDATE = "update"
CHANGE_REQUEST = "change_request"


class InvalidEvent(ValueError):
    """A request body that is not an event in Flux's schema; the endpoint answers 400 with this message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One event as a Flux controller reports it (`event.toolkit.fluxcd.io/v1`; v1beta1 lacks action and related)."""

    involved: Manifest
    """The involved object's reference: apiVersion, kind, name, namespace, uid, resourceVersion."""
    severity: str
    timestamp: str
    message: str
    reason: str
    action: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    reporting_controller: str
    reporting_instance: str = ""
    related: Manifest | None = None
    key: str = ""
    """The event's identity for the rate limit (set at ingest); providers that deduplicate send it."""

    @property
    def kind(self) -> str:
        return str(self.involved.get("kind", ""))

    @property
    def name(self) -> str:
        return str(self.involved.get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.involved.get("namespace", ""))

    @property
    def involved_ref(self) -> str:
        """The involved object as `Kind/namespace/name`, for logs and messages."""
        return f"{self.kind}/{self.namespace}/{self.name}"

    @property
    def group(self) -> str:
        """The involved object's API group, which prefixes its controller's metadata keys."""
        return group_of(str(self.involved.get("apiVersion", "")))

    def object_meta(self, key: str) -> str | None:
        """The controller's metadata value `<group>/<key>`."""
        return self.metadata.get(f"{self.group}/{key}")

    def body(self) -> Manifest:
        """The event as JSON, in the v1 shape (what `generic` providers receive)."""
        out: Manifest = {"involvedObject": dict(self.involved)}
        if self.related is not None:
            out["relatedObject"] = dict(self.related)
        out.update(
            severity=self.severity,
            timestamp=self.timestamp,
            message=self.message,
            reason=self.reason,
            action=self.action,
        )
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        out["reportingController"] = self.reporting_controller
        if self.reporting_instance:
            out["reportingInstance"] = self.reporting_instance
        return out


def parse_event(raw: bytes | Manifest) -> Event:
    """An event from a request body; raises InvalidEvent saying which field is wrong."""
    if isinstance(raw, bytes | bytearray):
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InvalidEvent(f"the body is not JSON: {err}") from err
    else:
        data = raw
    if not isinstance(data, dict):
        raise InvalidEvent("the body is not a JSON object")
    involved = _object(data, "involvedObject", required=True)
    assert involved is not None
    for key in ("kind", "name"):
        if not isinstance(involved.get(key), str) or not involved[key]:
            raise InvalidEvent(f"involvedObject.{key} is required")
    severity = _string(data, "severity", required=True)
    if severity not in SEVERITIES:
        raise InvalidEvent(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    timestamp = _string(data, "timestamp", required=True)
    try:
        datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError as err:
        raise InvalidEvent(f"timestamp {timestamp!r} is not an RFC 3339 time") from err
    message = _string(data, "message", required=True)
    if len(message) > MESSAGE_LIMIT:
        raise InvalidEvent(f"message is longer than {MESSAGE_LIMIT} characters")
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InvalidEvent("metadata must map strings to strings")
    return Event(
        involved=involved,
        related=_object(data, "relatedObject", required=False),
        severity=severity,
        timestamp=timestamp,
        message=message,
        reason=_string(data, "reason", required=True),
        action=_string(data, "action", required=False),
        metadata=metadata,
        reporting_controller=_string(data, "reportingController", required=True),
        reporting_instance=_string(data, "reportingInstance", required=False),
    )


def cleaned(event: Event) -> Event:
    """The event keeping only metadata its controller or the object's event annotations set (without the
    checksum and digest, which say nothing to a person)."""
    own = f"{event.group}/"
    dropped = {own + CHECKSUM, own + DIGEST}
    kept = {k: v for k, v in event.metadata.items() if k.startswith((own, EVENT_PREFIX)) and k not in dropped}
    return replace(event, metadata=kept)


def without_token(event: Event) -> Event:
    """The event without the controller's `token`, which only serves rate limiting."""
    key = f"{event.group}/{TOKEN}"
    return replace(event, metadata={k: v for k, v in event.metadata.items() if k != key})


def rate_key(event: Event) -> str:
    """The key of the rate limit: the same object, message, origin revision, revision and token is one event."""
    parts = ["event", f"name={event.name}", f"namespace={event.namespace}", f"kind={event.kind}",
             f"message={event.message}"]  # fmt: skip
    for key in (ORIGIN_REVISION, REVISION, TOKEN):
        value = event.object_meta(key)
        if value is not None:
            parts.append(f"{key}={value}")
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _string(data: Manifest, key: str, *, required: bool) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise InvalidEvent(f"{key} is required")
        return ""
    if not isinstance(value, str):
        raise InvalidEvent(f"{key} must be a string")
    return value


def _object(data: Manifest, key: str, *, required: bool) -> Manifest | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidEvent(f"{key} is required")
        return None
    if not isinstance(value, dict):
        raise InvalidEvent(f"{key} must be an object")
    return value
