"""Model of ArtifactGenerator (`source.extensions.fluxcd.io/v1beta1`): sources composed into ExternalArtifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.conditions import Conditions
from reflow.api.meta import CommonMetadata, LastHandledReconcileAt, ObjectMeta
from reflow.api.schema import AGE, READY, STATUS, KindInfo, Prop, Rule

ALIAS = r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$"
ALIAS_REF = r"^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)$"
ALIAS_PATH = r"^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)/(.*)$"
OBJECT_NAME_RULE = (
    "has(self.pathPattern) && size(self.pathPattern) > 0 || self.artifacts.all(a, "
    "a.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReference:
    """A source to read from, with the alias copy operations use for it."""

    alias: Annotated[str, Prop("Short name for the source in `@alias/…` expressions.", pattern=ALIAS, max_length=63)]
    kind: Annotated[
        Literal["Bucket", "GitRepository", "OCIRepository", "HelmChart", "ExternalArtifact"],
        Prop("Kind of the source."),
    ]
    name: Annotated[str, Prop("Name of the source.", pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", max_length=253)]
    namespace: Annotated[
        str | None,
        Prop(
            "Namespace of the source; the generator's when empty.",
            pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            max_length=63,
        ),
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CopyOperation:
    """Copy files from a source into the generated artifact, like `cp`."""

    from_: Annotated[
        str, Prop("Source path or glob: `@<alias>/<path>`.", wire="from", pattern=ALIAS_PATH, max_length=1024)
    ]
    to: Annotated[str, Prop("Destination: `@artifact/<path>`.", pattern=r"^@(artifact)/(.*)$", max_length=1024)]
    exclude: Annotated[tuple[str, ...], Prop("Globs of files to leave out.", max_items=100)] = ()
    strategy: Annotated[
        Literal["Overwrite", "Merge", "Extract"] | None,
        Prop("Overwrite files (default), deep-merge YAML, or extract tarballs."),
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputArtifact:
    """One ExternalArtifact to generate and the copy operations that fill it."""

    name: Annotated[str, Prop("Name of the ExternalArtifact.", max_length=253)]
    revision: Annotated[
        str | None,
        Prop(
            "`@alias` whose revision the artifact takes; a content digest when empty.", pattern=ALIAS_REF, max_length=64
        ),
    ] = None
    origin_revision: Annotated[
        str | None,
        Prop("`@alias` whose revision becomes the artifact's origin revision.", pattern=ALIAS_REF, max_length=64),
    ] = None
    copy: Annotated[tuple[CopyOperation, ...], Prop("Copy operations, run in order.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactGeneratorSpec:
    """Which sources to read and which artifacts to build from them."""

    sources: Annotated[tuple[SourceReference, ...], Prop("Sources to read from.", max_items=1000)]
    artifacts: Annotated[tuple[OutputArtifact, ...], Prop("Artifacts to generate.", max_items=1000)]
    path_pattern: Annotated[
        str | None,
        Prop(
            "`@alias/dir/{var}/…` pattern generating one artifact per matching directory.",
            pattern=ALIAS_PATH,
            max_length=1024,
        ),
    ] = None
    common_metadata: Annotated[
        CommonMetadata | None, Prop("Labels and annotations for every generated ExternalArtifact.")
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalArtifactReference:
    """A generated ExternalArtifact and the digest of its file."""

    name: Annotated[str, Prop("Name of the ExternalArtifact.")]
    namespace: Annotated[str, Prop("Namespace of the ExternalArtifact.")]
    digest: Annotated[str, Prop("Digest of the artifact file.")]
    filename: Annotated[str, Prop("Name of the artifact file in storage.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactGeneratorStatus:
    """What the generator last produced."""

    conditions: Conditions = ()
    inventory: Annotated[tuple[ExternalArtifactReference, ...], Prop("The ExternalArtifacts generated.")] = ()
    observed_sources_digest: Annotated[str | None, Prop("Digest of the source revisions last used.")] = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactGenerator:
    """Composes or splits source artifacts into ExternalArtifacts whose revision follows their content."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group="source.extensions.fluxcd.io",
        version="v1beta1",
        kind="ArtifactGenerator",
        plural="artifactgenerators",
        short_names=("ag",),
        categories=("all", "fluxcd", "fluxcd-sources"),
        columns=(AGE, READY, STATUS),
        controller="source-watcher",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[
        ArtifactGeneratorSpec,
        Prop(
            "Desired state of the ArtifactGenerator.",
            rules=(
                Rule(
                    OBJECT_NAME_RULE,
                    "artifact names must be valid Kubernetes object names when pathPattern is not set",
                ),
            ),
        ),
    ]
    status: Annotated[ArtifactGeneratorStatus, Prop("Observed state of the ArtifactGenerator.")] = field(
        default_factory=ArtifactGeneratorStatus
    )
