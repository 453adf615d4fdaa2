"""The values of a HelmRelease: its `valuesFrom` ConfigMaps and Secrets read from the API, composed with `values`."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from reflow.api.helm import HelmRelease
from reflow.api.meta import ObjectRef
from reflow.engines.helm.values import Resolved, compose
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound

WATCH_LABEL = "reconcile.fluxcd.io/watch=Enabled"
"""The label selector of ConfigMaps and Secrets whose changes reconcile the HelmReleases using them at once."""


def _decoded(data: dict[str, str]) -> dict[str, str]:
    decoded: dict[str, str] = {}
    for key, value in data.items():
        try:
            decoded[key] = base64.b64decode(value).decode()
        except (binascii.Error, UnicodeDecodeError):
            continue
    return decoded


async def release_values(kube: Kube, hr: HelmRelease) -> dict[str, Any]:
    """`valuesFrom` in order, then `values`; raises `ValuesError` naming the reference that failed."""
    namespace = hr.metadata.namespace or ""
    fetched: dict[tuple[str, str], dict[str, str] | None] = {}
    resolved: list[Resolved] = []
    for ref in hr.spec.values_from:
        key = (ref.kind, ref.name)
        if key not in fetched:
            try:
                obj = await kube.get(ObjectRef("v1", ref.kind, ref.name, namespace))
            except NotFound:
                fetched[key] = None
            else:
                data = obj.get("data") or {}
                fetched[key] = _decoded(data) if ref.kind == "Secret" else dict(data)
        resolved.append(Resolved(ref, fetched[key]))
    return compose(resolved, hr.spec.values, namespace)


def values_refs(hr: dict[str, Any]) -> list[str]:
    """`Kind/namespace/name` of every ConfigMap and Secret a HelmRelease manifest takes values from."""
    namespace = hr["metadata"].get("namespace") or ""
    return [
        f"{ref.get('kind')}/{namespace}/{ref.get('name')}" for ref in (hr.get("spec") or {}).get("valuesFrom") or []
    ]
