"""One reconcile of a Kustomization as a record: what it works from, and what it has done so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest
from reflow.api.wire import render
from reflow.controllers.kustomize.sources import SourceArtifact
from reflow.engines.health.cel import CELStatusReader
from reflow.engines.ssa import ChangeSet
from reflow.kube.client import Kube
from reflow.runtime.reconciler import Progress


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """This reconcile's inputs and its progress; a stage that acts returns a copy (`dataclasses.replace`).

    Whatever stage fails, its error records `status()`: the revision attempted and, once the apply has
    run, the new inventory, so a failed health check still leaves the inventory of what was applied.
    """

    ks: Kustomization
    artifact: SourceArtifact
    """The source's artifact this run builds and applies."""
    client: Kube
    """The cluster the objects go to: the one named by `spec.kubeConfig`, else this controller's."""
    timeout: float
    """Seconds for the apply and for the health checks (`spec.timeout`, else the interval less 30 s)."""
    health: CELStatusReader
    """The parsed `spec.healthCheckExprs`."""
    progress: Progress
    applied: ChangeSet | None = None
    """What the apply did; None until it has run."""
    pruned: ChangeSet = field(default_factory=ChangeSet)
    """What the prune deleted or left alone."""

    @property
    def changes(self) -> ChangeSet:
        """Everything this run did, applied then pruned."""
        return (self.applied or ChangeSet()) + self.pruned

    def status(self) -> Manifest:
        """The status fields every outcome records: the revision attempted and, after the apply, the inventory."""
        fields: Manifest = {"lastAttemptedRevision": self.artifact.revision}
        if self.applied is not None:
            fields["inventory"] = render(self.applied.inventory())
        return fields

    def applied_status(self) -> Manifest:
        """The status fields of a run that succeeded: also the revision now applied (and its origin, or none)."""
        return {
            **self.status(),
            "lastAppliedRevision": self.artifact.revision,
            "lastAppliedOriginRevision": self.artifact.origin_revision,
        }

    def event_metadata(self) -> dict[str, str]:
        """The revision (and origin revision) that Flux's events carry."""
        metadata = {"revision": self.artifact.revision}
        if self.artifact.origin_revision:
            metadata["originRevision"] = self.artifact.origin_revision
        return metadata
