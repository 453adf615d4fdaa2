"""The plane's audit log read by tests: which requests one client (told apart by its user agent) sent."""

from __future__ import annotations

import json

from reflow.api.meta import Manifest
from reflow.dev.plane import LocalPlane


def audited(plane: LocalPlane, agent: str, namespace: str) -> list[Manifest]:
    """The audit events of requests this user agent sent about objects in one namespace."""
    return [e for e in _events(plane, agent) if (e.get("objectRef") or {}).get("namespace") == namespace]


def audited_resource(plane: LocalPlane, agent: str, resource: str) -> list[Manifest]:
    """The audit events of requests this user agent sent about one resource (such as `subjectaccessreviews`)."""
    return [e for e in _events(plane, agent) if (e.get("objectRef") or {}).get("resource") == resource]


def _events(plane: LocalPlane, agent: str) -> list[Manifest]:
    events = [json.loads(line) for line in plane.audit_log.read_text().splitlines() if line.strip()]
    return [e for e in events if e.get("userAgent") == agent]
