"""What the web UI shows of Flux objects, as plain data for the page: rows, details, trees, the dependency graph."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

import yaml

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.flux.diff import Outcome, Verdict
from reflow.engines.flux.state import API_VERSIONS, GENERATOR, ready, revision, source_of, stalled, suspended
from reflow.engines.health.status import ObjectStatus
from reflow.engines.inventory import Node
from reflow.engines.ssa.diff import MASK, SECRET_FIELDS, is_secret

STATUSES = ("Ready", "NotReady", "Stalled", "Suspended", "Unknown")
"""The status filter of the overview: one per object, the first that holds in this order of precedence:
Suspended, Stalled, Ready (Ready=True), NotReady (Ready=False), Unknown."""


def status_of(obj: Manifest) -> str:
    """The one status the overview shows and counts for an object."""
    if suspended(obj):
        return "Suspended"
    if stalled(obj):
        return "Stalled"
    return {"True": "Ready", "False": "NotReady"}.get(ready(obj)[0], "Unknown")


def row(obj: Manifest) -> Manifest:
    """One line of the overview: the object's id, status, Ready message and revision."""
    metadata = obj["metadata"]
    return {
        "id": object_id(ObjectRef.of(obj)),
        "kind": obj["kind"],
        "namespace": metadata.get("namespace", ""),
        "name": metadata["name"],
        "status": status_of(obj),
        "message": ready(obj)[1],
        "revision": revision(obj),
        "suspended": suspended(obj),
    }


def object_id(ref: ObjectRef) -> str:
    """The object's id on the page and in URLs: `Kind/namespace/name`."""
    return f"{ref.kind}/{ref.namespace or ''}/{ref.name}"


def counts(rows: Iterable[Manifest]) -> dict[str, int]:
    """How many rows have each status."""
    found = dict.fromkeys(STATUSES, 0)
    for item in rows:
        found[item["status"]] += 1
    return found


def masked(obj: Manifest) -> Manifest:
    """A copy for display: without managedFields, and with every value of a Secret replaced by `***`."""
    shown = copy.deepcopy(obj)
    (shown.get("metadata") or {}).pop("managedFields", None)
    if is_secret(shown):
        for name in SECRET_FIELDS:
            if isinstance(shown.get(name), dict):
                shown[name] = dict.fromkeys(shown[name], MASK)
    return shown


def revisions(obj: Manifest) -> list[Manifest]:
    """The last revisions of an object, newest first: its `status.history` (a HelmRelease's releases, a
    Kustomization's runs), else the last applied, attempted and artifact revisions it reports."""
    status = obj.get("status") or {}
    found = [_snapshot(entry) for entry in status.get("history") or []]
    for label, value in (
        ("last applied", status.get("lastAppliedRevision")),
        ("last attempted", status.get("lastAttemptedRevision")),
        ("artifact", (status.get("artifact") or {}).get("revision")),
    ):
        if value and not found:
            found.append({"revision": value, "status": label, "digest": "", "at": ""})
    return found


def _snapshot(entry: Manifest) -> Manifest:
    """One history entry: a HelmRelease's (chartVersion, lastDeployed) or a Kustomization's (metadata.revision)."""
    if "chartVersion" in entry:
        return {
            "revision": f"{entry.get('chartName', '')} {entry['chartVersion']}".strip(),
            "status": entry.get("status", ""),
            "digest": entry.get("digest", ""),
            "at": entry.get("lastDeployed", ""),
        }
    return {
        "revision": (entry.get("metadata") or {}).get("revision", ""),
        "status": entry.get("lastReconciledStatus", ""),
        "digest": entry.get("digest", ""),
        "at": entry.get("lastReconciled", ""),
    }


def _when(event: Manifest) -> str:
    return str(event.get("lastTimestamp") or event.get("eventTime") or "")


def detail(obj: Manifest, events: Iterable[Manifest], health: ObjectStatus) -> Manifest:
    """The object page: its row, conditions, events (newest first), revisions and masked YAML; an object that is not
    Flux's shows its health (kstatus) as its status."""
    flux = obj["kind"] in API_VERSIONS
    return {
        **row(obj),
        **({} if flux else {"status": str(health.status), "message": health.message}),
        "conditions": (obj.get("status") or {}).get("conditions") or [],
        "events": [
            {
                "type": event.get("type", ""),
                "reason": event.get("reason", ""),
                "message": event.get("message", ""),
                "at": _when(event),
            }
            for event in sorted(events, key=_when, reverse=True)
        ],
        "revisions": revisions(obj),
        "yaml": yaml.safe_dump(masked(obj), sort_keys=False),
        "flux": flux,
        "applier": obj["kind"] in ("Kustomization", "HelmRelease"),
        "source": object_id(source) if (source := source_of(obj)) else "",
    }


def tree(node: Node, health: Mapping[ObjectRef, ObjectStatus | None]) -> Manifest:
    """An inventory tree with each object's health (`NotFound` when it is gone)."""
    found = health.get(node.ref)
    return {
        "id": object_id(node.ref),
        "apiVersion": node.ref.api_version,
        "kind": node.ref.kind,
        "namespace": node.ref.namespace or "",
        "name": node.ref.name,
        "health": str(found.status) if found else "NotFound",
        "message": found.message if found else "not found in the cluster",
        "children": [tree(child, health) for child in node.children],
    }


def graph(objects: Iterable[Manifest]) -> Manifest:
    """The dependency graph: `dependsOn` edges, source → applier edges, ArtifactGenerator → ExternalArtifact edges.

    Nodes are the objects' ids; an edge's end may name an object that does not exist (shown as missing).
    """
    nodes: dict[str, Manifest] = {}
    edges: list[Manifest] = []
    for obj in objects:
        ref = ObjectRef.of(obj)
        here = object_id(ref)
        nodes[here] = {"id": here, "status": status_of(obj)}
        spec = obj.get("spec") or {}
        for dependency in spec.get("dependsOn") or []:
            target = ObjectRef(ref.api_version, ref.kind, dependency.get("name", ""),
                               dependency.get("namespace") or ref.namespace)  # fmt: skip
            edges.append({"from": object_id(target), "to": here, "kind": "dependsOn"})
        source = source_of(obj) if obj["kind"] in ("Kustomization", "HelmRelease") else None
        if source is not None:
            edges.append({"from": object_id(source), "to": here, "kind": "source"})
        if obj["kind"] == GENERATOR:
            for entry in (obj.get("status") or {}).get("inventory") or []:
                artifact = ObjectRef(API_VERSIONS["ExternalArtifact"], entry.get("kind", "ExternalArtifact"),
                                     entry.get("name", ""), entry.get("namespace") or ref.namespace)  # fmt: skip
                edges.append({"from": here, "to": object_id(artifact), "kind": "generates"})
    for edge in edges:
        for end in (edge["from"], edge["to"]):
            nodes.setdefault(end, {"id": end, "status": "Missing"})
    return {"nodes": sorted(nodes.values(), key=lambda n: n["id"]), "edges": edges}


def changes(outcome: Outcome) -> Manifest:
    """The diff between the cluster and the next revision: what would be created, changed or deleted (Secret values
    already masked by the diff), and what could not be compared."""
    shown = [
        {"id": object_id(diff.ref), "verdict": str(diff.verdict), "report": diff.report}
        for diff in outcome.diffs
        if diff.verdict in (Verdict.CREATED, Verdict.DRIFTED, Verdict.DELETED)
    ]
    return {"changes": shown, "errors": list(outcome.errors), "unchanged": len(outcome.diffs) - len(shown)}
