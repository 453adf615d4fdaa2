"""What the bench does on the cluster itself: CRDs, namespaces, waits on Flux objects by watching."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from bench.manifests import HELM_API, KUSTOMIZE_API, NOTIFICATION_API, SOURCE_API, Manifest, namespace
from reflow.api.conditions import READY, condition_true
from reflow.api.meta import ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube
from reflow.kube.errors import Gone, NotFound, Unreachable
from reflow.kube.wait import wait_deleted

FIELD_MANAGER = "reflow-bench"
FLUX_KINDS = (
    (SOURCE_API, "GitRepository"),
    (SOURCE_API, "HelmRepository"),
    (SOURCE_API, "HelmChart"),
    (KUSTOMIZE_API, "Kustomization"),
    (HELM_API, "HelmRelease"),
    (NOTIFICATION_API, "Receiver"),
)
CRD_API = "apiextensions.k8s.io/v1"

Predicate = Callable[[Manifest], bool]


def is_ready(obj: Manifest) -> bool:
    """Ready=True for the object's current generation."""
    status = obj.get("status") or {}
    current = status.get("observedGeneration") == obj.get("metadata", {}).get("generation")
    return condition_true(obj, READY) and current


def handled(token: str) -> Predicate:
    """Ready and `status.lastHandledReconcileAt` equal to the requestedAt `token`."""
    return lambda obj: (obj.get("status") or {}).get("lastHandledReconcileAt") == token and is_ready(obj)


def stranded(live: Manifest, new: Manifest) -> bool:
    """True when the new definition drops a version the live one has stored (the API server refuses that)."""
    stored = set((live.get("status") or {}).get("storedVersions") or [])
    return not stored <= {version["name"] for version in new["spec"]["versions"]}


async def _drop_stranded(kube: Kube, paths: list[Path]) -> None:
    """Delete the live CRDs the files could not replace (Flux's Alert stores v1beta3, reflow's v1)."""
    for path in paths:
        new = yaml.safe_load(path.read_text())
        ref = ObjectRef(CRD_API, "CustomResourceDefinition", new["metadata"]["name"])
        try:
            live = await kube.get(ref)
        except NotFound:
            continue
        if stranded(live, new):
            await kube.delete(ref)
            await wait_deleted(kube, ref, timeout=120)


async def install_crds(plane: LocalPlane, kube: Kube, files: Iterable[Path]) -> None:
    """Server-side apply the CRD files (one field manager for every side, so a swap replaces the schema)."""
    files = list(files)
    await _drop_stranded(kube, files)
    paths = [str(path) for path in files]
    args = ["apply", "--server-side", "--force-conflicts", f"--field-manager={FIELD_MANAGER}"]
    for path in paths:
        args += ["-f", path]
    result = await asyncio.to_thread(plane.kubectl, *args, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"installing CRDs failed: {result.stderr.strip()}")
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    result = await asyncio.to_thread(
        plane.kubectl, "wait", "--for=condition=Established", "--timeout=60s", *names, timeout=90
    )
    if result.returncode != 0:
        raise RuntimeError(f"CRDs not Established: {result.stderr.strip()}")


async def create_namespace(kube: Kube, name: str) -> None:
    """A fresh namespace for one run."""
    await kube.apply(namespace(name), field_manager=FIELD_MANAGER)


async def remove_namespace(kube: Kube, name: str, *, timeout: float = 300.0) -> None:
    """Drop the Flux objects' finalizers (their controllers are stopped by now), delete the namespace, wait."""
    for api_version, kind in FLUX_KINDS:
        with contextlib.suppress(NotFound):
            for item in await kube.list_all(api_version, kind, name):
                ref = ObjectRef(api_version, kind, item["metadata"]["name"], name)
                if item["metadata"].get("finalizers"):
                    with contextlib.suppress(NotFound):
                        await kube.patch(ref, {"metadata": {"finalizers": None}})
    ref = ObjectRef("v1", "Namespace", name)
    with contextlib.suppress(NotFound):
        await kube.delete(ref)
    await wait_deleted(kube, ref, timeout=timeout)


async def wait_all(
    kube: Kube,
    api_version: str,
    kind: str,
    namespace: str,
    predicate: Predicate,
    *,
    count: int,
    timeout: float,
    field_selector: str | None = None,
    reached: set[str] | None = None,
) -> None:
    """Return when `count` objects of the kind in the namespace satisfy `predicate` (list, then watch).

    With `reached`, an object counts once it has satisfied the predicate at least once (its name is added
    to the set, which the caller keeps when the wait times out); otherwise all must hold at one moment.
    """
    holding: dict[str, bool] = {}

    def enough(name: str, holds: bool) -> bool:
        holding[name] = holds
        if reached is None:
            return sum(holding.values()) >= count
        if holds:
            reached.add(name)
        return len(reached) >= count

    async with asyncio.timeout(timeout):
        while True:
            page = await kube.list(api_version, kind, namespace, field_selector=field_selector)
            holding = {}
            if any([enough(item["metadata"]["name"], predicate(item)) for item in page.get("items", [])]):
                return
            try:
                async for event in kube.watch(
                    api_version,
                    kind,
                    namespace,
                    resource_version=page["metadata"]["resourceVersion"],
                    field_selector=field_selector,
                ):
                    if event.type == "ERROR":
                        break
                    if event.type == "BOOKMARK":
                        continue
                    name = event.object["metadata"]["name"]
                    if event.type == "DELETED":
                        holding.pop(name, None)
                    elif enough(name, predicate(event.object)):
                        return
            except (Gone, Unreachable):
                continue


async def wait_object(kube: Kube, manifest: Manifest, predicate: Predicate, *, timeout: float) -> None:
    """Return when the object satisfies `predicate`."""
    ref = ObjectRef.of(manifest)
    await wait_all(
        kube,
        ref.api_version,
        ref.kind,
        ref.namespace or "",
        predicate,
        count=1,
        timeout=timeout,
        field_selector=f"metadata.name={ref.name}",
    )
