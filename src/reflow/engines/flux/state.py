"""The state of a Flux object as `get`, `trace` and the web UI show it: Ready, suspended, revision, source."""

from __future__ import annotations

from collections.abc import Mapping

from reflow.api.annotations import GENERATOR_RECONCILE
from reflow.api.conditions import READY, STALLED, condition
from reflow.api.crds import KINDS, kind_info
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.helm.names import chart_object_name

API_VERSIONS: Mapping[str, str] = {kind_info(model).kind: kind_info(model).api_version for model in KINDS}
"""The API version of every Flux kind reflow knows, by kind."""
GENERATOR = "ArtifactGenerator"
STATIC_KINDS = frozenset({"Alert", "Provider"})
"""Kinds no controller reconciles: they are ready once they exist."""


def ready(obj: Manifest) -> tuple[str, str]:
    """The Ready status (`True`, `False`, `Unknown`) and message, as `get` shows them."""
    found = condition(obj, READY)
    if found is None and obj.get("kind") in STATIC_KINDS:
        return "True", f"{obj['kind']} is Ready"
    if found is None:
        return "Unknown", "waiting to be reconciled"
    return str(found.get("status", "Unknown")), str(found.get("message", ""))


def suspended(obj: Manifest) -> bool:
    """Whether `spec.suspend` is set, or for an ArtifactGenerator its reconcile annotation says `Disabled`."""
    if obj.get("kind") == GENERATOR:
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        return str(annotations.get(GENERATOR_RECONCILE, "")).lower() == "disabled"
    return bool((obj.get("spec") or {}).get("suspend"))


def stalled(obj: Manifest) -> bool:
    """Whether the object carries Stalled=True (no retry until its spec changes)."""
    found = condition(obj, STALLED)
    return found is not None and found.get("status") == "True"


def suspend_patch(kind: str, value: bool) -> Manifest:
    """The merge patch that suspends (or resumes) an object of the kind: the annotation for ArtifactGenerators."""
    if kind == GENERATOR:
        return {"metadata": {"annotations": {GENERATOR_RECONCILE: "Disabled" if value else None}}}
    return {"spec": {"suspend": value}}


def revision(obj: Manifest) -> str:
    """The revision an object is at: a source's artifact, a Kustomization's or HelmRelease's last applied one."""
    status = obj.get("status") or {}
    if obj.get("kind") == "Kustomization":
        return str(status.get("lastAppliedRevision") or "")
    if obj.get("kind") == "HelmRelease":
        history = status.get("history") or []
        return str(history[0].get("chartVersion", "")) if history else str(status.get("lastAttemptedRevision") or "")
    if obj.get("kind") == GENERATOR:
        return str(status.get("observedSourcesDigest") or "")
    if obj.get("kind") == "ImagePolicy":
        latest = status.get("latestRef") or {}
        return f"{latest['name']}:{latest['tag']}" if latest.get("tag") else ""
    if obj.get("kind") == "ImageUpdateAutomation":
        return str(status.get("lastPushCommit") or "")
    return str((status.get("artifact") or {}).get("revision") or "")


def source_of(obj: Manifest) -> ObjectRef | None:
    """The source a Kustomization or HelmRelease reads, if its kind is Flux's: a HelmRelease's `chartRef`, the
    OCIRepository its chart template makes (`<namespace>-<name>`), or its HelmChart template's source."""
    spec = obj.get("spec") or {}
    chart = spec.get("chart") or {}
    if chart.get("kind") == "OCIRepository":
        ref = {
            "kind": "OCIRepository",
            "name": chart_object_name(obj["metadata"]["namespace"], obj["metadata"]["name"]),
        }
    else:
        ref = spec.get("sourceRef") or spec.get("chartRef") or (chart.get("spec") or {}).get("sourceRef") or {}
    api_version = API_VERSIONS.get(str(ref.get("kind")))
    if api_version is None or not ref.get("name"):
        return None
    namespace = ref.get("namespace") or obj["metadata"]["namespace"]
    return ObjectRef(api_version, ref["kind"], ref["name"], namespace)
