"""One reconcile of a Kustomization as a record: what it works from, and what it has done so far."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reflow.api.conditions import RECONCILIATION_SUCCEEDED
from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest
from reflow.api.wire import render
from reflow.controllers.kustomize.history import recorded
from reflow.controllers.sources import SourceArtifact
from reflow.engines.health.cel import CELStatusReader
from reflow.engines.ssa import ChangeSet
from reflow.kube.client import Kube
from reflow.runtime.reconciler import Progress


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """This reconcile's inputs and its progress; a stage that acts returns a copy (`dataclasses.replace`).

    Whatever stage fails, its error records `status()`: the revision attempted and, once the apply has
    run, the new inventory, so a failed health check still leaves the inventory of what was applied.
    Once the manifests are built, a run that ends with an outcome Flux records also enters the history.
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
    started: float
    """When the run started (monotonic seconds): history and the finished event tell how long it took."""
    digest: str | None = None
    """Digest of the built manifests; None until the build has run."""
    applied: ChangeSet | None = None
    """What the apply did; None until it has run."""
    pruned: ChangeSet = field(default_factory=ChangeSet)
    """What the prune deleted or left alone."""

    @property
    def changes(self) -> ChangeSet:
        """Everything this run did, applied then pruned."""
        return (self.applied or ChangeSet()) + self.pruned

    @property
    def took(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started

    def status(self, outcome: str | None = None) -> Manifest:
        """The status fields every outcome records: the revision attempted and, after the apply, the inventory;
        with an `outcome` (the Ready reason) once the manifests are built, the history with this run in it."""
        fields: Manifest = {"lastAttemptedRevision": self.artifact.revision}
        if self.applied is not None:
            fields["inventory"] = render(self.applied.inventory())
        if outcome is not None and self.digest is not None:
            history = recorded(self.ks.status.history, digest=self.digest, status=outcome, at=datetime.now(UTC),
                               took=self.took, metadata=self.event_metadata())  # fmt: skip
            fields["history"] = [render(snapshot) for snapshot in history]
        return fields

    def applied_status(self) -> Manifest:
        """The status fields of a run that succeeded: also the revision now applied (and its origin, or none)."""
        return {
            **self.status(RECONCILIATION_SUCCEEDED),
            "lastAppliedRevision": self.artifact.revision,
            "lastAppliedOriginRevision": self.artifact.origin_revision,
        }

    def event_metadata(self) -> dict[str, str]:
        """The revision (and origin revision) that Flux's events carry."""
        metadata = {"revision": self.artifact.revision}
        if self.artifact.origin_revision:
            metadata["originRevision"] = self.artifact.origin_revision
        return metadata
