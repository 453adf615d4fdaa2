"""Object references and the identifiers shared by every layer: API versions, kinds, names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Manifest = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Identifies one Kubernetes object; `str(ref)` is `Kind/namespace/name` (or `Kind/name` if cluster-wide)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @classmethod
    def of(cls, manifest: Manifest) -> ObjectRef:
        """The reference of a manifest (a dict with apiVersion, kind and metadata)."""
        metadata = manifest.get("metadata") or {}
        return cls(
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            name=metadata["name"],
            namespace=metadata.get("namespace") or None,
        )


def group_of(api_version: str) -> str:
    """The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (the core group)."""
    return api_version.rpartition("/")[0]
