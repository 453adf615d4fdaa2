"""Why an object is not Ready: from a Flux object down its dependencies, source and workloads to the root cause.

The decisions are pure (`problem`, `leads`); `why_not_ready` walks them through a reader, reading only
status, so it explains the same on any cluster the caller can read.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from reflow.api.conditions import READY, condition
from reflow.api.crds import KINDS, kind_info
from reflow.api.meta import Manifest, ObjectRef

MAX_DEPTH = 10
"""Links followed at most (a dependency chain longer than this is cut, and says so)."""

FLUX_VERSIONS: dict[str, str] = {kind_info(model).kind: kind_info(model).api_version for model in KINDS}
"""Flux kind → the API version reflow reads it with."""
WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
WAITING_ENTRY = re.compile(r"(?P<kind>[A-Za-z0-9]+)/(?P<namespace>[^/\s]*)/(?P<name>[^\s/]+) status: '(?P<status>\w+)'")
"""An entry of a health check failure: `Kind/namespace/name status: 'InProgress'`."""
HARMLESS_WAITING = frozenset({"ContainerCreating", "PodInitializing"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One link of the chain: an object and what is wrong with it."""

    ref: ObjectRef
    problem: str

    def __str__(self) -> str:
        return f"{self.ref}: {self.problem}"


@dataclass(frozen=True, slots=True)
class PodSelector:
    """The Pods of a workload: its namespace and label selector."""

    namespace: str
    labels: Mapping[str, str]


Lead = ObjectRef | PodSelector
Get = Callable[[ObjectRef], Awaitable[Manifest | None]]
ListPods = Callable[[PodSelector], Awaitable[list[Manifest]]]


def _flux_problem(obj: Manifest) -> str | None:
    if (obj.get("spec") or {}).get("suspend"):
        return None
    ready = condition(obj, READY)
    if ready is None:
        return "not reconciled yet (no Ready condition)"
    if ready.get("status") == "True":
        return None
    reason, message = ready.get("reason", ""), ready.get("message", "")
    return f"{reason}: {message}" if reason else message


def _workload_problem(obj: Manifest) -> str | None:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    wanted = spec.get("replicas", 1) if obj["kind"] != "DaemonSet" else status.get("desiredNumberScheduled", 0)
    ready = status.get("readyReplicas", 0) if obj["kind"] != "DaemonSet" else status.get("numberReady", 0)
    for kind in ("Progressing", "Available"):
        found = condition(obj, kind)
        if found and found.get("status") == "False":
            return f"{kind}=False ({found.get('reason', '')}): {found.get('message', '')}"
    if ready < wanted:
        return f"{ready} of {wanted} replicas ready"
    return None


def _pod_problem(pod: Manifest) -> str | None:
    status = pod.get("status") or {}
    scheduled = condition(pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "False":
        return f"not scheduled ({scheduled.get('reason', '')}): {scheduled.get('message', '')}"
    for container in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        state = container.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason") not in HARMLESS_WAITING:
            return f"container {container.get('name')} waiting ({waiting.get('reason')}): {waiting.get('message', '')}"
        if terminated and terminated.get("exitCode"):
            code, why = terminated["exitCode"], terminated.get("reason", "")
            return f"container {container.get('name')} exited with code {code} ({why})"
    ready = condition(pod, "Ready")
    if status.get("phase") not in ("Running", "Succeeded") or (ready and ready.get("status") == "False"):
        return f"phase {status.get('phase', 'Unknown')}, not ready"
    return None


def problem(obj: Manifest) -> str | None:
    """What keeps the object from being Ready, from its status; None when nothing does."""
    kind = obj.get("kind")
    if kind in FLUX_VERSIONS:
        return _flux_problem(obj)
    if kind in WORKLOADS:
        return _workload_problem(obj)
    if kind == "Pod":
        return _pod_problem(obj)
    return None


def _dependencies(obj: Manifest) -> list[ObjectRef]:
    namespace = obj["metadata"].get("namespace") or ""
    refs = []
    for entry in (obj.get("spec") or {}).get("dependsOn") or []:
        kind = entry.get("kind") or obj["kind"]
        version = str(entry.get("apiVersion") or FLUX_VERSIONS.get(kind) or obj["apiVersion"])
        refs.append(ObjectRef(version, kind, entry["name"], entry.get("namespace") or namespace))
    return refs


def _sources(obj: Manifest) -> list[ObjectRef]:
    spec, namespace = obj.get("spec") or {}, obj["metadata"].get("namespace") or ""
    chart_source = ((spec.get("chart") or {}).get("spec") or {}).get("sourceRef")
    if chart_source:  # a HelmRelease's chart template: the HelmChart it made, named namespace-name
        chart_namespace = chart_source.get("namespace") or namespace
        name = f"{namespace}-{obj['metadata']['name']}"
        return [ObjectRef(FLUX_VERSIONS["HelmChart"], "HelmChart", name, chart_namespace)]
    for key in ("sourceRef", "chartRef"):
        ref = spec.get(key)
        if ref and ref.get("kind") in FLUX_VERSIONS:
            version = ref.get("apiVersion") or FLUX_VERSIONS[ref["kind"]]
            return [ObjectRef(version, ref["kind"], ref["name"], ref.get("namespace") or namespace)]
    return []


def _waited_for(obj: Manifest, message: str) -> list[ObjectRef]:
    """The objects a health check timed out on, with their API versions from the inventory."""
    versions: dict[tuple[str, str, str], str] = {}
    for entry in ((obj.get("status") or {}).get("inventory") or {}).get("entries") or []:
        parts = str(entry.get("id", "")).split("_")
        if len(parts) == 4:
            ns, name, group, kind = parts
            versions[(kind, ns, name)] = f"{group}/{entry.get('v')}" if group else str(entry.get("v"))
    refs = []
    for found in WAITING_ENTRY.finditer(message):
        if found["status"] == "Current":
            continue
        key = (found["kind"], found["namespace"], found["name"])
        version = versions.get(key) or ("apps/v1" if found["kind"] in WORKLOADS else "v1")
        refs.append(ObjectRef(version, found["kind"], found["name"], found["namespace"] or None))
    return refs


def leads(obj: Manifest) -> list[Lead]:
    """Where to look next for the cause of the object's problem, most likely first."""
    kind = obj.get("kind")
    if kind in WORKLOADS:
        labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        return [PodSelector(obj["metadata"].get("namespace") or "", labels)] if labels else []
    if kind not in FLUX_VERSIONS:
        return []
    message = (condition(obj, READY) or {}).get("message", "")
    found: list[Lead] = [*_waited_for(obj, message), *_dependencies(obj), *_sources(obj)]
    return found


async def why_not_ready(get: Get, list_pods: ListPods, ref: ObjectRef) -> tuple[Finding, ...]:
    """The chain from `ref` to the deepest object with a problem (empty when `ref` is Ready)."""
    chain: list[Finding] = []
    seen: set[ObjectRef] = set()
    current = await get(ref)
    if current is None:
        return (Finding(ref, "not found"),)
    while current is not None:
        here = ObjectRef.of(current)
        trouble = problem(current)
        if trouble is None:
            break
        if here in seen:
            chain.append(Finding(here, "depends on itself through the chain above (a cycle)"))
            break
        seen.add(here)
        chain.append(Finding(here, trouble))
        if len(chain) >= MAX_DEPTH:
            break
        current = await _next_with_problem(get, list_pods, current, chain)
    return tuple(chain)


async def _next_with_problem(get: Get, list_pods: ListPods, obj: Manifest, chain: list[Finding]) -> Manifest | None:
    for lead in leads(obj):
        if isinstance(lead, PodSelector):
            for pod in await list_pods(lead):
                if problem(pod) is not None:
                    return pod
            continue
        found = await get(lead)
        if found is None:
            chain.append(Finding(lead, "not found"))
            return None
        if problem(found) is not None:
            return found
    return None
