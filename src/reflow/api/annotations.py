"""Annotation, label and finalizer keys of Flux's wire contract (flux-api.md §2.4)."""

from __future__ import annotations

# On any Flux object: a new token asks for a reconcile; the object's status records the last token handled.
REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
# On a HelmRelease, honoured only when equal to the requestedAt token: force a release, reset failure counters.
FORCE_AT = "reconcile.fluxcd.io/forceAt"
RESET_AT = "reconcile.fluxcd.io/resetAt"
# Label on Secrets and ConfigMaps whose changes trigger the objects that reference them.
WATCH = "reconcile.fluxcd.io/watch"
WATCH_ENABLED = "Enabled"

# On objects a Kustomization applies (label or annotation).
RECONCILE = "kustomize.toolkit.fluxcd.io/reconcile"
SSA = "kustomize.toolkit.fluxcd.io/ssa"
FORCE = "kustomize.toolkit.fluxcd.io/force"
PRUNE = "kustomize.toolkit.fluxcd.io/prune"
SUBSTITUTE = "kustomize.toolkit.fluxcd.io/substitute"
DECRYPT = "kustomize.toolkit.fluxcd.io/decrypt"
DISABLED = "disabled"
DISABLED_TITLE = "Disabled"
ENABLED = "Enabled"
SSA_OVERRIDE = "Override"
SSA_MERGE = "Merge"
SSA_IF_NOT_PRESENT = "IfNotPresent"
SSA_IGNORE = "Ignore"
# Flux v1 leftovers that an apply removes from the live object (annotations, then a label).
LEGACY_CHECKSUM = "kustomize.toolkit.fluxcd.io/checksum"
LEGACY_SYNC_CHECKSUM = "fluxcd.io/sync-checksum"
LEGACY_SYNC_GC_MARK = "fluxcd.io/sync-gc-mark"

# Owner labels on everything a Kustomization applies, and on HelmCharts a HelmRelease creates.
KUSTOMIZE_NAME = "kustomize.toolkit.fluxcd.io/name"
KUSTOMIZE_NAMESPACE = "kustomize.toolkit.fluxcd.io/namespace"
HELM_NAME = "helm.toolkit.fluxcd.io/name"
HELM_NAMESPACE = "helm.toolkit.fluxcd.io/namespace"
# On objects a HelmRelease renders: leave them out of drift detection.
HELM_DRIFT_DETECTION = "helm.toolkit.fluxcd.io/driftDetection"

# Prefix of object annotations copied into event metadata.
EVENT_PREFIX = "event.toolkit.fluxcd.io/"
# Label that assigns an object to a controller shard.
SHARD_KEY = "sharding.fluxcd.io/key"
# On an ArtifactGenerator: `Disabled` suspends it; `reconcileEvery` (a Go duration) sets its period.
GENERATOR_RECONCILE = "source.extensions.fluxcd.io/reconcile"
GENERATOR_RECONCILE_EVERY = "source.extensions.fluxcd.io/reconcileEvery"
# On a Namespace an ArtifactGenerator manages: `prune: Disabled` keeps it when let go; `ssa: IfNotPresent`
# only creates it, `ssa: Ignore` leaves it alone; `externalFinalizer` (`group/version/kind/namespace/name/uid`,
# set by another controller, never by the generator) hands its deletion to that object.
GENERATOR_PRUNE = "source.extensions.fluxcd.io/prune"
GENERATOR_SSA = "source.extensions.fluxcd.io/ssa"
GENERATOR_EXTERNAL_FINALIZER = "source.extensions.fluxcd.io/externalFinalizer"
# Labels on the ExternalArtifacts an ArtifactGenerator makes.
GENERATOR = "source.extensions.fluxcd.io/generator"
MANAGED_BY = "app.kubernetes.io/managed-by"

# ServiceAccount annotations choosing how object identity obtains credentials (Flux 2.10).
CREDENTIAL_PROVIDER = "credential.auth.fluxcd.io/provider"
CREDENTIAL_AUDIENCES = "credential.auth.fluxcd.io/audiences"
CREDENTIAL_USERNAME = "credential.auth.fluxcd.io/username"

# reflow's own, beyond Flux: on a Kustomization, `detect` reports drift instead of correcting it.
DRIFT_MODE = "reflow.dev/drift-mode"

FINALIZER = "finalizers.fluxcd.io"
GENERATOR_FINALIZER = "source.extensions.fluxcd.io/finalizer"
