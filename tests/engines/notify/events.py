"""Sample events for the notification engine's tests."""

from __future__ import annotations

from reflow.engines.notify import Event

REVISION = "main@sha1:0123456789abcdef0123456789abcdef01234567"
SHA = "0123456789abcdef0123456789abcdef01234567"
INVOLVED = {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "name": "apps",
    "namespace": "flux-system",
    "uid": "0c9c2e41-58c4-4b39-9c6a-0b1f7c5d6e7f",
    "resourceVersion": "42",
}


def finished(**changes: object) -> Event:
    """A Kustomization's "Reconciliation finished" event as a provider sees it (metadata combined)."""
    fields: dict[str, object] = {
        "involved": INVOLVED,
        "severity": "info",
        "timestamp": "2026-10-24T10:00:00Z",
        "message": "Reconciliation finished in 1.2s, next run in 10m0s",
        "reason": "ReconciliationSucceeded",
        "action": "Reconcile",
        "metadata": {"revision": REVISION, "summary": "Production cluster"},
        "reporting_controller": "kustomize-controller",
        "reporting_instance": "kustomize-controller-7f9c",
    }
    fields.update(changes)
    return Event(**fields)  # type: ignore[arg-type]
