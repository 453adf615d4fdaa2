"""Cross-namespace access to an ImageRepository: `--no-cross-namespace-refs`, then its `accessFrom` list."""

from __future__ import annotations

from collections.abc import Mapping

from reflow.api.conditions import ACCESS_DENIED
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.runtime.errors import StalledError


def allowed_by(access_from: Manifest | None, namespace_labels: Mapping[str, str]) -> bool:
    """Whether any `namespaceSelectors` entry matches the labels (an empty `matchLabels` matches all)."""
    selectors = (access_from or {}).get("namespaceSelectors") or []
    return any(
        all(namespace_labels.get(key) == value for key, value in (selector.get("matchLabels") or {}).items())
        for selector in selectors
    )


async def check_access(
    kube: Kube, target: Manifest, kind: str, from_namespace: str, *, no_cross_namespace_refs: bool
) -> None:
    """Raise a stalling AccessDenied unless an object in `from_namespace` may use `target`."""
    namespace = target["metadata"].get("namespace") or ""
    if namespace == from_namespace:
        return
    where = f"{kind}/{namespace}/{target['metadata']['name']}"
    if no_cross_namespace_refs:
        raise StalledError(f"cannot access '{where}', cross-namespace references have been blocked",
                           reason=ACCESS_DENIED)  # fmt: skip
    try:
        labels = (await kube.get(ObjectRef("v1", "Namespace", from_namespace)))["metadata"].get("labels") or {}
    except NotFound:
        labels = {}
    if not allowed_by((target.get("spec") or {}).get("accessFrom"), labels):
        raise StalledError(
            f"access denied: '{where}' does not allow namespace '{from_namespace}' in spec.accessFrom",
            reason=ACCESS_DENIED,
        )
