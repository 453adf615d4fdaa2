"""Model of ArtifactGenerator (`source.extensions.fluxcd.io/v1beta1`): sources composed into ExternalArtifacts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.conditions import Conditions
from reflow.api.meta import CommonMetadata, LastHandledReconcileAt, ObjectMeta
from reflow.api.schema import AGE, READY, STATUS, KindInfo, Prop, Rule

ALIAS = r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$"
ALIAS_REF = r"^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)$"
ALIAS_PATH = r"^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)/(.*)$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
NO_PATTERN = "has(self.pathPattern) && size(self.pathPattern) > 0"
NAME_RULE = (
    f"{NO_PATTERN} || self.artifacts.all(a, size(a.name) <= 253 && "
    "a.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))"
)
NAMESPACE_RULE = (
    f"{NO_PATTERN} || self.artifacts.all(a, !has(a.__namespace__) || "
    "(size(a.__namespace__) <= 63 && a.__namespace__.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')))"
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
        Prop("Namespace of the source; the generator's when empty.", pattern=DNS_LABEL, max_length=63),
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
    optional: Annotated[
        bool, Prop("Skip the operation when nothing matches `from` instead of failing.", default=False)
    ] = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputArtifact:
    """One ExternalArtifact to generate and the copy operations that fill it."""

    name: Annotated[str, Prop("Name of the ExternalArtifact; may hold `{capture}` placeholders.", max_length=1024)]
    namespace: Annotated[
        str | None,
        Prop("Namespace of the ExternalArtifact; the generator's when empty. May hold placeholders.", max_length=1024),
    ] = None
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
    inputs_from: Annotated[
        str | None,
        Prop(
            "`@alias/path` of a YAML mapping published as the ExternalArtifact's `status.exportedInputs`.",
            pattern=ALIAS_PATH,
            min_length=1,
            max_length=1024,
        ),
    ] = None
    copy: Annotated[tuple[CopyOperation, ...], Prop("Copy operations, run in order.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataFromSource:
    """A NamespaceMetadata file in a source, and which of its labels and annotations may be used."""

    path: Annotated[str, Prop("`@alias/path` of the file.", pattern=ALIAS_PATH, min_length=1, max_length=1024)]
    allowed_annotations: Annotated[
        Mapping[str, str], Prop("Annotation key → CEL expression over `value` that must be true.")
    ] = field(default_factory=dict)
    allowed_labels: Annotated[Mapping[str, str], Prop("Label key → CEL expression over `value` that must be true.")] = (
        field(default_factory=dict)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataOperation:
    """Labels and annotations set on managed namespaces."""

    strategy: Annotated[
        Literal["Reset", "Override", "Merge"],
        Prop("Reset clears then sets, Override overwrites keys, Merge adds only absent keys."),
    ]
    namespace: Annotated[
        str,
        Prop("The namespace, or `*` for every one.", pattern=r"^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$", max_length=63),
    ]
    labels: Annotated[Mapping[str, str], Prop("Labels to set.")] = field(default_factory=dict)
    annotations: Annotated[Mapping[str, str], Prop("Annotations to set.")] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class NamespaceMetadata:
    """Where the metadata of managed namespaces comes from: commonMetadata, then a file, then `from`."""

    from_source: Annotated[
        MetadataFromSource | None,
        Prop(
            "A NamespaceMetadata file in a source.",
            rules=(
                Rule(
                    "(has(self.allowedAnnotations) && size(self.allowedAnnotations) > 0) || "
                    "(has(self.allowedLabels) && size(self.allowedLabels) > 0)",
                    "fromSource needs allowedAnnotations or allowedLabels with at least one key",
                ),
            ),
        ),
    ] = None
    from_: Annotated[tuple[MetadataOperation, ...], Prop("Metadata operations, in order.", wire="from")] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagedNamespaces:
    """Target namespaces the generator creates, labels and (optionally) prunes."""

    allowed_names: Annotated[
        tuple[str, ...], Prop("CEL expressions over `ns`; a namespace is managed if one is true.", min_items=1)
    ]
    prune: Annotated[bool, Prop("Delete managed namespaces no longer targeted, or when the generator goes.")]
    metadata: Annotated[
        NamespaceMetadata | None,
        Prop(
            "Labels and annotations of the managed namespaces.",
            rules=(
                Rule(
                    "has(self.fromSource) || (has(self.from) && size(self.from) > 0)",
                    "metadata needs fromSource or at least one from operation",
                ),
            ),
        ),
    ] = None


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
    service_account_name: Annotated[
        str | None,
        Prop(
            "ServiceAccount in the generator's namespace whose permissions target namespaces are checked against.",
            pattern=DNS_LABEL,
            min_length=1,
            max_length=63,
        ),
    ] = None
    managed_namespaces: Annotated[
        ManagedNamespaces | None, Prop("Create and label target namespaces; unset: they must exist and are left alone.")
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryEntry:
    """A generated object: an ExternalArtifact and the digest of its file, or a managed Namespace."""

    kind: Annotated[Literal["ExternalArtifact", "Namespace"], Prop("Kind of the object.")]
    name: Annotated[str, Prop("Name of the object.")]
    namespace: Annotated[str | None, Prop("Namespace of the ExternalArtifact; empty for a Namespace.")] = None
    digest: Annotated[str, Prop("Digest of the artifact file, or of a Namespace's applied metadata.")]
    filename: Annotated[str | None, Prop("Name of the artifact file in storage.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactGeneratorStatus:
    """What the generator last produced."""

    conditions: Conditions = ()
    inventory: Annotated[tuple[InventoryEntry, ...], Prop("The ExternalArtifacts generated.")] = ()
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
                Rule(NAME_RULE, "without pathPattern, artifact names must be valid Kubernetes object names"),
                Rule(NAMESPACE_RULE, "without pathPattern, artifact namespaces must be valid namespace names"),
            ),
        ),
    ]
    status: Annotated[ArtifactGeneratorStatus, Prop("Observed state of the ArtifactGenerator.")] = field(
        default_factory=ArtifactGeneratorStatus
    )
