"""The plane's audit log read by tests: which requests one client (told apart by its user agent) sent."""

from __future__ import annotations

import json

from reflow.api.meta import Manifest
from reflow.dev.plane import LocalPlane


def audited(plane: LocalPlane, agent: str, namespace: str) -> list[Manifest]:
    """The audit events of requests this user agent sent about objects in one namespace."""
    events = [json.loads(line) for line in plane.audit_log.read_text().splitlines() if line.strip()]
    return [
        e for e in events if e.get("userAgent") == agent and (e.get("objectRef") or {}).get("namespace") == namespace
    ]
