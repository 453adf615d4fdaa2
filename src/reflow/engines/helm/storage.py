"""Helm's release storage read and, to unlock a release a killed helm left pending, written through the API."""

from __future__ import annotations

from reflow.api.meta import ObjectRef
from reflow.engines.helm.release import SECRET_TYPE, ReleaseDecodeError, StoredRelease, decode_release, encode_release
from reflow.kube.client import Kube


async def releases(kube: Kube, namespace: str, name: str) -> list[StoredRelease]:
    """Every stored revision of the release `name` in `namespace`, oldest first."""
    secrets = await kube.list_all("v1", "Secret", namespace, label_selector=f"owner=helm,name={name}")
    found: list[StoredRelease] = []
    for secret in secrets:
        data = (secret.get("data") or {}).get("release")
        if secret.get("type") != SECRET_TYPE or not data:
            continue
        try:
            found.append(decode_release(data, secret["metadata"].get("labels")))
        except ReleaseDecodeError:
            continue
    return sorted(found, key=lambda stored: stored.version)


def secret_name(name: str, version: int) -> str:
    return f"sh.helm.release.v1.{name}.v{version}"


async def mark_failed(kube: Kube, storage_namespace: str, stored: StoredRelease, description: str) -> StoredRelease:
    """Record a pending revision (its record in `storage_namespace`) as failed, as Helm records a failed action;
    returns the revision as stored now."""
    release = dict(stored.release)
    release["info"] = {**(release.get("info") or {}), "status": "failed", "description": description}
    data, raw = encode_release(release)
    ref = ObjectRef("v1", "Secret", secret_name(stored.name, stored.version), storage_namespace)
    await kube.patch(ref, {"metadata": {"labels": {"status": "failed"}}, "data": {"release": data}})
    return StoredRelease(raw, release, stored.labels)
