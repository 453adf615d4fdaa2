"""The dependsOn gate a reconciler passes before acting: cycles, cross-namespace access, readyExpr, readiness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reflow.api.conditions import ACCESS_DENIED, DEPENDENCY_NOT_READY, INVALID_SPEC
from reflow.api.meta import DependencyReference, Manifest, ObjectRef
from reflow.controllers.dependson.decisions import (
    dependency_problem,
    dependency_ref,
    find_cycle,
    label,
    object_problem,
    ready_expr_problem,
    same_source,
)
from reflow.controllers.dependson.objects import DependencyObjects
from reflow.engines.health.cel import Expression
from reflow.runtime.errors import StalledError, Waiting

OwnLookup = Callable[[str, str], Manifest | None]
"""An object of the owner's own kind from the controller's informer, by namespace and name."""


@dataclass
class DependsOnGate:
    """Checks an object's dependsOn against cached objects: its own kind from its informer, others' from theirs."""

    api_version: str
    kind: str
    own: OwnLookup
    others: DependencyObjects
    requeue_after: float
    no_cross_namespace_refs: bool = False

    def lookup(self, ref: ObjectRef) -> Manifest | None:
        """A dependency, with its apiVersion and kind, or None when absent (or not listed yet)."""
        if ref.kind == self.kind and ref.api_version == self.api_version:
            found = self.own(ref.namespace or "", ref.name)
            return None if found is None else {**found, "apiVersion": self.api_version, "kind": self.kind}
        return self.others.get(ref)

    def check(
        self,
        this: Manifest,
        depends_on: Sequence[DependencyReference],
        ready_exprs: Sequence[Expression | None],
        *,
        revision: str | None = None,
        additive: bool = False,
    ) -> None:
        """Raise Waiting until every dependency is ready, StalledError for a cycle or a reference not allowed.

        A `readyExpr` decides instead of the built-in check (or as well, when `additive`). A dependency
        of the same kind using the same source must also have applied `revision`, when given.
        """
        if depends_on and (cycle := find_cycle(this, self.lookup)):
            path = " → ".join(str(ref) for ref in cycle)
            raise StalledError(f"dependency cycle: {path}", reason=DEPENDENCY_NOT_READY)
        namespace = this["metadata"].get("namespace")
        for dependency, ready_expr in zip(depends_on, ready_exprs, strict=True):
            try:
                ref = dependency_ref(this, dependency)
            except ValueError as error:
                raise StalledError(str(error), reason=INVALID_SPEC) from error
            if self.no_cross_namespace_refs and ref.namespace != namespace:
                raise StalledError(f"cannot depend on '{ref.namespace}/{ref.name}': cross-namespace references "
                                   "are disabled", reason=ACCESS_DENIED)  # fmt: skip
            if problem := self._problem(this, dependency, ref, ready_expr, revision=revision, additive=additive):
                raise Waiting(f"dependency not ready: {problem}", reason=DEPENDENCY_NOT_READY,
                              requeue_after=self.requeue_after)  # fmt: skip

    def _problem(
        self,
        this: Manifest,
        dependency: DependencyReference,
        ref: ObjectRef,
        ready_expr: Expression | None,
        *,
        revision: str | None,
        additive: bool,
    ) -> str | None:
        name = label(ref, self.kind)
        found = self.lookup(ref)
        problem = None
        if found is not None and ready_expr is not None:
            problem = ready_expr_problem(ready_expr, this, found, name)
        if problem is None and (found is None or ready_expr is None or additive):
            if ref.kind == self.kind and ref.api_version == self.api_version:
                same = revision is not None and found is not None and same_source(found, this)
                problem = dependency_problem(found, name, revision if same else None)
            else:
                problem = object_problem(found, name, ready=dependency.ready is not False)
        return problem
