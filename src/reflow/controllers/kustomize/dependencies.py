"""dependsOn: whether the Kustomizations this one depends on are ready, decided from their cached objects."""

from __future__ import annotations

from reflow.api.conditions import READY, condition_true
from reflow.api.meta import Manifest
from reflow.engines.health.cel import EvaluationError, Expression, dependency_ready


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
