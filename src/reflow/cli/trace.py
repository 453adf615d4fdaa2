"""`reflow trace`: from any object to the Kustomization or HelmRelease that manages it, and on to its source.

An ExternalArtifact source is followed on to the ArtifactGenerator that made it, and a HelmRelease's HelmChart
`chartRef` on to the source of the chart.
"""

from __future__ import annotations

import click

from reflow.api.annotations import HELM_NAME, HELM_NAMESPACE, KUSTOMIZE_NAME, KUSTOMIZE_NAMESPACE
from reflow.api.conditions import READY, condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import fail, out, run
from reflow.cli.nouns import BY_KIND, GENERATOR, HELMRELEASE, KUSTOMIZATION, ready, revision, suspended
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.reconcile import source_of
from reflow.cli.why import diagnosis
from reflow.engines.diagnose import Finding
from reflow.engines.diagnose.chain import FLUX_VERSIONS
from reflow.kube.client import Kube, connect
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
    elif kind == GENERATOR.kind:
        sources = [f"@{s.get('alias')}={s.get('kind')}/{s.get('name')}" for s in spec.get("sources") or []]
        artifacts = [entry.get("name", "") for entry in (obj.get("status") or {}).get("inventory") or []]
        fields += [("Sources", ", ".join(sources)), ("Artifacts", ", ".join(artifacts))]
    fields.append(("Revision", revision(obj)))
    return block(fields + status_fields(obj))


def upstream_of(obj: Manifest) -> ObjectRef | None:
    """The next link up a source chain: the ArtifactGenerator an ExternalArtifact names as its source, or the
    source a HelmChart (a HelmRelease's `chartRef`) is made from."""
    ref = (obj.get("spec") or {}).get("sourceRef") or {}
    upstream = {"ExternalArtifact": (GENERATOR.kind,), "HelmChart": ("HelmRepository", "GitRepository", "Bucket")}
    if ref.get("kind") not in upstream.get(str(obj.get("kind")), ()) or not ref.get("name"):
        return None
    noun = BY_KIND[ref["kind"]]
    return ObjectRef(noun.api_version, noun.kind, ref["name"], ref.get("namespace") or obj["metadata"]["namespace"])


async def resolve_kind(kube: Kube, api_version: str, kind: str) -> str:
    """The kind as the API server spells it, so `--kind deployment` finds Deployment."""
    path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    try:
        listing = await kube.get_path(path)
    except NotFound:
        fail(f"the API server does not serve {api_version}", "check --api-version, e.g. apps/v1", code=1)
    for resource in listing.get("resources") or []:
        if "/" not in resource["name"] and resource["kind"].lower() == kind.lower():
            return str(resource["kind"])
    fail(f"the API server does not serve kind {kind} in {api_version}", "check --kind and --api-version")


def owner(obj: Manifest) -> ObjectRef | None:
    """The Kustomization or HelmRelease that applied an object, from the owner labels they set."""
    labels = obj["metadata"].get("labels") or {}
    if labels.get(KUSTOMIZE_NAME):
        return ObjectRef(
            KUSTOMIZATION.api_version, KUSTOMIZATION.kind, labels[KUSTOMIZE_NAME], labels.get(KUSTOMIZE_NAMESPACE)
        )
    if labels.get(HELM_NAME):
        return ObjectRef(HELMRELEASE.api_version, HELMRELEASE.kind, labels[HELM_NAME], labels.get(HELM_NAMESPACE))
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


async def trace_object(options: GlobalOptions, name: str, kind: str, api_version: str) -> str:
    """The trace text: the object, its managing applier, the applier's source, and why it is not Ready."""
    async with connect(options.connection) as kube:
        kind = await resolve_kind(kube, api_version, kind)
        ref = ObjectRef(api_version, kind, name, options.namespace)
        obj = await kube.get(ref)
        manager = owner(obj)
        if manager is None and kind not in FLUX_VERSIONS:
            fail(f"{kind}/{name} in {options.namespace} is not managed by Flux", "it carries no Flux owner labels")
        parts = []
        if manager is not None:
            header = [("Object", f"{kind.lower()}/{name}"), ("Namespace", options.namespace)]
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


@click.command()
@click.argument("name")
@click.option("--kind", required=True, help="Kind of the object, e.g. Deployment.")
@click.option("--api-version", required=True, help="API version of the object, e.g. apps/v1.")
@global_options
def trace(name: str, kind: str, api_version: str, options: GlobalOptions) -> None:
    """Show which Kustomization or HelmRelease manages an object, from which source, and why it is not Ready.

    The object may also be a Flux object itself (a Kustomization, a source, …). When something is not
    Ready, the trace follows its dependencies, its source and the workloads a health check waits for down
    to the root cause (a Pod that cannot be scheduled, an image that cannot be pulled, …).

    \b
    Example:
      reflow trace podinfo --kind=Deployment --api-version=apps/v1 -n apps
    """
    out.out(run(trace_object(options, name, kind, api_version)), end="", highlight=False)
