"""Helpers for the HelmChart tests: manifests, waits, and reading a chart artifact back with the real helm."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.controller import REQUESTED_AT
from tests.gitservers import run

SOURCE = "source.toolkit.fluxcd.io/v1"


def helm_chart(namespace: str, name: str, chart: str, kind: str, source: str, **spec: object) -> Manifest:
    return {
        "apiVersion": SOURCE,
        "kind": "HelmChart",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"chart": chart, "sourceRef": {"kind": kind, "name": source}, "interval": "1h", **spec},
    }


def ref(kind: str, namespace: str, name: str) -> ObjectRef:
    return ObjectRef(SOURCE, kind, name, namespace)


async def until(
    kube: Kube, kind: str, namespace: str, name: str, check: Callable[[Manifest | None], bool], timeout: float = 60
) -> Manifest:
    obj = await wait_for(kube, ref(kind, namespace, name), check, timeout=timeout, what="as expected")
    assert obj is not None
    return obj


async def request(kube: Kube, kind: str, namespace: str, name: str, token: str) -> Manifest:
    """Ask for a reconcile and wait until it was handled."""
    await kube.patch(ref(kind, namespace, name), {"metadata": {"annotations": {REQUESTED_AT: token}}})
    return await until(
        kube, kind, namespace, name, lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == token
    )


def revision_is(revision: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        return ((obj or {}).get("status") or {}).get("artifact", {}).get("revision") == revision

    return check


def chart_values(data: bytes) -> dict[str, Any]:
    """The `values.yaml` of a packaged chart."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.name.count("/") == 1 and member.name.endswith("/values.yaml"):
                reader = archive.extractfile(member)
                assert reader is not None
                loaded = yaml.safe_load(reader.read())
                return loaded or {}
    raise AssertionError("no values.yaml in the chart")


def helm_reads(data: bytes, tmp_path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the real helm reads back from a chart artifact: `helm show chart` and the `helm template` objects."""
    path = tmp_path / "artifact.tgz"
    path.write_bytes(data)
    shown = yaml.safe_load(run(binary("helm"), "show", "chart", path))
    rendered = [doc for doc in yaml.safe_load_all(run(binary("helm"), "template", "release", path)) if doc]
    return shown, rendered
