"""`reflow trace` as data and text: from an object to the applier that manages it, on to its source, and why it is
not Ready; shared by the CLI and the web UI."""

from __future__ import annotations

from reflow.api.annotations import HELM_NAME, HELM_NAMESPACE, KUSTOMIZE_NAME, KUSTOMIZE_NAMESPACE
from reflow.api.conditions import READY, condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.diagnose import Finding, PodSelector, why_not_ready
from reflow.engines.flux.state import API_VERSIONS, GENERATOR, ready, revision, source_of, suspended
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound

WIDTH = 16


def block(fields: list[tuple[str, str]]) -> str:
    """`Label:` padded to one column (longer labels keep one space), then the value; empty values are left out."""
    return "".join(f"{(label + ':').ljust(WIDTH - 1)} {value}\n" for label, value in fields if value)


def status_fields(obj: Manifest) -> list[tuple[str, str]]:
    """Status and Message lines of a Flux object, from its Ready condition."""
    found = condition(obj, READY)
    if suspended(obj):
        status = "Suspended"
    elif found is None:
        status = "Unknown"
    else:
        status = f"Last reconciled at {found.get('lastTransitionTime', '')}"
    return [("Status", status), ("Message", ready(obj)[1])]


def describe(obj: Manifest) -> str:
    """One block of the trace for a Flux object, with the fields that matter for its kind."""
    spec = obj.get("spec") or {}
    metadata = obj["metadata"]
    fields = [(obj["kind"], metadata["name"]), ("Namespace", metadata.get("namespace", ""))]
    kind = obj["kind"]
    if kind == "Kustomization":
        fields += [("Target", spec.get("targetNamespace", "")), ("Path", spec.get("path", ""))]
    elif kind == "HelmRelease":
        chart = (spec.get("chart") or {}).get("spec") or {}
        chart_ref = spec.get("chartRef") or {}
        fields += [("Chart", chart.get("chart", "") or chart.get("url", "")), ("Version", chart.get("version", "")),
                   ("Chart ref", f"{chart_ref['kind']}/{chart_ref['name']}" if chart_ref else "")]  # fmt: skip
    elif kind in ("GitRepository", "OCIRepository", "HelmRepository", "Bucket"):
        fields.append(("URL", spec.get("url") or spec.get("endpoint", "")))
        ref = spec.get("ref") or {}
        for key, label in (("branch", "Branch"), ("tag", "Tag"), ("semver", "Semver"), ("commit", "Commit")):
            fields.append((label, ref.get(key, "")))
    elif kind == "ExternalArtifact":
        ref = spec.get("sourceRef") or {}
        fields.append(("Source", f"{ref.get('kind', '')}/{ref.get('name', '')}" if ref else ""))
    elif kind == GENERATOR:
        sources = [f"@{s.get('alias')}={s.get('kind')}/{s.get('name')}" for s in spec.get("sources") or []]
        artifacts = [entry.get("name", "") for entry in (obj.get("status") or {}).get("inventory") or []]
        fields += [("Sources", ", ".join(sources)), ("Artifacts", ", ".join(artifacts))]
    fields.append(("Revision", revision(obj)))
    return block(fields + status_fields(obj))


def upstream_of(obj: Manifest) -> ObjectRef | None:
    """The next link up a source chain: the ArtifactGenerator an ExternalArtifact names as its source, or the
    source a HelmChart (a HelmRelease's `chartRef`) is made from."""
    ref = (obj.get("spec") or {}).get("sourceRef") or {}
    upstream = {"ExternalArtifact": (GENERATOR,), "HelmChart": ("HelmRepository", "GitRepository", "Bucket")}
    if ref.get("kind") not in upstream.get(str(obj.get("kind")), ()) or not ref.get("name"):
        return None
    return ObjectRef(API_VERSIONS[ref["kind"]], ref["kind"], ref["name"],
                     ref.get("namespace") or obj["metadata"]["namespace"])  # fmt: skip


def owner(obj: Manifest) -> ObjectRef | None:
    """The Kustomization or HelmRelease that applied an object, from the owner labels they set."""
    labels = obj["metadata"].get("labels") or {}
    if labels.get(KUSTOMIZE_NAME):
        return ObjectRef(
            API_VERSIONS["Kustomization"], "Kustomization", labels[KUSTOMIZE_NAME], labels.get(KUSTOMIZE_NAMESPACE)
        )
    if labels.get(HELM_NAME):
        return ObjectRef(API_VERSIONS["HelmRelease"], "HelmRelease", labels[HELM_NAME], labels.get(HELM_NAMESPACE))
    return None


def explain(chain: tuple[Finding, ...]) -> str:
    """The "why not Ready" block: each link of the chain, then the root cause."""
    if not chain:
        return ""
    first, *rest = chain
    lines = [f"{'Why not Ready:'.ljust(WIDTH)}{first}\n"]
    lines += [f"{'':<{WIDTH}}→ {finding}\n" for finding in rest]
    lines.append(f"{'Root cause:'.ljust(WIDTH)}{chain[-1]}\n")
    return "".join(lines)


async def diagnosis(kube: Kube, ref: ObjectRef) -> tuple[Finding, ...]:
    """Why the object is not Ready, read from the cluster: the chain down to the root cause (empty when Ready)."""

    async def get(target: ObjectRef) -> Manifest | None:
        try:
            return await kube.get(target)
        except NotFound:
            return None

    async def list_pods(selector: PodSelector) -> list[Manifest]:
        labels = ",".join(f"{key}={value}" for key, value in sorted(selector.labels.items()))
        listed = await kube.list_whole("v1", "Pod", selector.namespace, label_selector=labels)
        return [{"apiVersion": "v1", "kind": "Pod", **pod} for pod in listed["items"]]

    return await why_not_ready(get, list_pods, ref)


async def trace_chain(kube: Kube, obj: Manifest, manager: ObjectRef | None) -> str:
    """The trace text of a live object: its managing applier (or itself, for a Flux object), the source chain, and
    why it is not Ready."""
    ref = ObjectRef.of(obj)
    parts = []
    if manager is not None:
        header = [("Object", f"{ref.kind.lower()}/{ref.name}"), ("Namespace", ref.namespace or "")]
        parts.append("\n" + block([*header, ("Status", "Managed by Flux")]))
        applier = await kube.get(manager)
    else:
        applier, manager = obj, ref
    parts.append(describe(applier))
    source = source_of(applier)
    while source is not None:
        try:
            found = await kube.get(source)
        except NotFound:
            parts.append(
                block([(source.kind, source.name), ("Namespace", source.namespace or ""), ("Status", "Not found")])
            )
            break
        parts.append(describe(found))
        source = upstream_of(found)
    why = explain(await diagnosis(kube, manager)) or explain(await diagnosis(kube, ref))
    if why:
        parts.append(why)
    return "---\n".join(parts)
