"""dependsOn decisions for every kind that has it: which object an entry names, whether it is ready, cycles.

Besides objects of its own kind, a dependency may be of another kind (reflow, as Flux's proposed cross-kind
dependsOn, flux2#5879): `apiVersion` and `kind` name it, and `ready` says whether it must be ready
(kstatus Current; for Flux objects Ready=True at their generation) or only exist.
"""

from __future__ import annotations

from collections.abc import Callable

from reflow.api.conditions import READY, condition_true
from reflow.api.crds import KINDS, kind_info
from reflow.api.meta import DependencyReference, Manifest, ObjectRef
from reflow.engines.health import Status, health_status
from reflow.engines.health.cel import EvaluationError, Expression, dependency_ready

FLUX_VERSIONS = {kind_info(model).kind: kind_info(model).api_version for model in KINDS}
"""A Flux kind's API version, for a dependency that names the kind only."""
MAX_DEPTH = 100
"""Dependency links followed looking for a cycle."""


def dependency_ref(owner: Manifest, dependency: DependencyReference) -> ObjectRef:
    """The object a dependsOn entry names: the owner's kind and version unless it names others.

    Raises ValueError when a kind reflow cannot place has no apiVersion.
    """
    kind = dependency.kind or owner["kind"]
    if dependency.api_version:
        version = dependency.api_version
    elif kind == owner["kind"]:
        version = owner["apiVersion"]
    elif kind in FLUX_VERSIONS:
        version = FLUX_VERSIONS[kind]
    else:
        raise ValueError(f"dependsOn '{dependency.name}' of kind {kind} needs an apiVersion")
    return ObjectRef(version, kind, dependency.name, dependency.namespace or owner["metadata"].get("namespace"))


def label(ref: ObjectRef, owner_kind: str) -> str:
    """How messages name a dependency: `namespace/name`, with the kind when it is not the owner's."""
    where = f"{ref.namespace}/{ref.name}"
    return where if ref.kind == owner_kind else f"{ref.kind}/{where}"


def object_problem(dependency: Manifest | None, name: str, *, ready: bool) -> str | None:
    """Why a dependency of another kind is not satisfied yet (missing, or not ready when `ready`), or None."""
    if dependency is None:
        return f"dependency '{name}' not found"
    if not ready:
        return None
    status = health_status(dependency)
    if status.status is not Status.CURRENT:
        detail = f": {status.message}" if status.message else ""
        return f"dependency '{name}' is not ready ({status.status}{detail})"
    return None


def find_cycle(start: Manifest, lookup: Callable[[ObjectRef], Manifest | None]) -> tuple[ObjectRef, ...] | None:
    """A dependsOn path from `start` back to itself, across kinds (each object's entries default to its own kind),
    or None. Entries that cannot be resolved or objects not found end their branch."""
    origin = ObjectRef.of(start)
    seen: set[ObjectRef] = set()

    def visit(obj: Manifest, path: tuple[ObjectRef, ...]) -> tuple[ObjectRef, ...] | None:
        if len(path) > MAX_DEPTH:
            return None
        for entry in (obj.get("spec") or {}).get("dependsOn") or []:
            try:
                ref = dependency_ref(obj, _entry(entry))
            except ValueError:
                continue
            if ref == origin:
                return (*path, ref)
            if ref in seen:
                continue
            seen.add(ref)
            found = lookup(ref)
            if found is not None and (cycle := visit(found, (*path, ref))):
                return cycle
        return None

    return visit(start, (origin,))


def _entry(raw: Manifest) -> DependencyReference:
    return DependencyReference(
        name=str(raw.get("name", "")),
        namespace=raw.get("namespace"),
        api_version=raw.get("apiVersion"),
        kind=raw.get("kind"),
    )


def dependency_problem(dependency: Manifest | None, name: str, source_revision: str | None) -> str | None:
    """Why a dependency is not ready yet, or None when it is.

    Ready means: it exists, its status is for its current generation, Ready=True, and when it uses the
    same source, it has applied the revision this Kustomization is about to apply.
    """
    if dependency is None:
        return f"dependency '{name}' not found"
    status = dependency.get("status") or {}
    if status.get("observedGeneration") != dependency["metadata"].get("generation"):
        return f"dependency '{name}' is not ready"
    if not condition_true(dependency, READY):
        return f"dependency '{name}' is not ready"
    if source_revision is not None and status.get("lastAppliedRevision") != source_revision:
        return f"dependency '{name}' revision is not up to date"
    return None


def ready_expr_problem(expression: Expression, this: Manifest, dependency: Manifest, name: str) -> str | None:
    """Why `readyExpr` does not hold for a dependency (false, or failing to evaluate), or None when it does."""
    try:
        ready = dependency_ready(expression, this, dependency)
    except EvaluationError as error:
        return f"failed to evaluate dependency '{name}': {error}"
    return None if ready else f"dependency '{name}' is not ready according to readyExpr eval"


def same_source(a: Manifest, b: Manifest) -> bool:
    """Whether two Kustomizations apply from the same source object."""

    def key(obj: Manifest) -> tuple[str, str, str]:
        ref = obj["spec"]["sourceRef"]
        return ref["kind"], ref.get("namespace") or obj["metadata"]["namespace"], ref["name"]

    return key(a) == key(b)
