"""Models of the Git, OCI and bucket sources and ExternalArtifact (`source.toolkit.fluxcd.io/v1`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.artifact import Artifact
from reflow.api.conditions import Conditions
from reflow.api.meta import (
    STATUS_DEFAULT,
    LastHandledReconcileAt,
    LocalObjectReference,
    NamespacedObjectKindReference,
    ObjectMeta,
    ObservedGeneration,
    Suspend,
)
from reflow.api.schema import AGE, READY, STATUS, Column, KindInfo, Prop, Rule

GROUP = "source.toolkit.fluxcd.io"
VERSION = "v1"
CATEGORIES = ("all", "fluxcd", "fluxcd-sources")
CONTROLLER = "source-controller"

Interval = Annotated[float, Prop("How often to look for a new revision.", duration="h")]
Timeout = Annotated[float, Prop("Time limit for one fetch from the remote.", duration="m", default="60s")]
Ignore = Annotated[str | None, Prop("`.sourceignore` patterns leaving files out of the artifact.")]
SecretRef = Annotated[LocalObjectReference | None, Prop("Secret with the credentials for the remote.")]
CertSecretRef = Annotated[
    LocalObjectReference | None, Prop("Secret with TLS material: `ca.crt`, and `tls.crt` + `tls.key` for mTLS.")
]
ProxySecretRef = Annotated[
    LocalObjectReference | None, Prop("Secret with the proxy `address` and optional `username` and `password`.")
]
ServiceAccountName = Annotated[str | None, Prop("ServiceAccount whose identity or pull secrets authenticate.")]
Insecure = Annotated[bool, Prop("Allow plain HTTP to the remote.")]
ArtifactStatus = Annotated[Artifact | None, Prop("The artifact of the last successful fetch.")]
ObservedIgnore = Annotated[str | None, Prop("The `spec.ignore` used for the current artifact.")]
StatusURL = Annotated[str | None, Prop("Deprecated address of the latest artifact.")]
Fingerprint = Annotated[str | None, Prop("Fingerprint of the keys that verified the current artifact.")]
GitProvider = Literal["generic", "aws", "azure", "github"]
CloudProvider = Literal["generic", "aws", "azure", "gcp"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GitRepositoryRef:
    """The Git reference to check out; precedence commit > name > semver > tag > branch."""

    branch: Annotated[str | None, Prop("Branch to follow.")] = None
    tag: Annotated[str | None, Prop("Tag to check out.")] = None
    semver: Annotated[str | None, Prop("SemVer range; the highest matching tag is checked out.")] = None
    name: Annotated[str | None, Prop("Any reference, e.g. `refs/heads/main` or `refs/pull/1/head`.")] = None
    commit: Annotated[str | None, Prop("Commit SHA to check out.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GitRepositoryInclude:
    """Another GitRepository's artifact copied into this one."""

    repository: Annotated[LocalObjectReference, Prop("The GitRepository to include.")]
    from_path: Annotated[str | None, Prop("Directory of the included artifact to copy; its root when empty.")] = None
    to_path: Annotated[str | None, Prop("Where to put it; the included repository's name when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GitRepositoryVerification:
    """Signature verification of the checked-out commit or tag."""

    mode: Annotated[
        Literal["head", "HEAD", "Tag", "TagAndHEAD"],
        Prop("What to verify: the HEAD commit, the tag, or both.", default="HEAD"),
    ] = "HEAD"
    secret_ref: Annotated[LocalObjectReference, Prop("Secret with trusted PGP (`*.asc`) or SSH (`*.sshpub`) keys.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class GitRepositorySpec:
    """What to fetch from a Git repository and how."""

    url: Annotated[str, Prop("Repository URL: http(s):// or ssh://.", pattern=r"^(http|https|ssh)://.*$")]
    interval: Interval
    timeout: Timeout = 60.0
    ref: Annotated[GitRepositoryRef | None, Prop("Reference to check out; branch `master` when empty.")] = None
    secret_ref: SecretRef = None
    provider: Annotated[GitProvider | None, Prop("Who issues credentials: none, a cloud identity, a GitHub App.")] = (
        None
    )
    service_account_name: ServiceAccountName = None
    proxy_secret_ref: ProxySecretRef = None
    verify: Annotated[GitRepositoryVerification | None, Prop("Verify commit or tag signatures.")] = None
    ignore: Ignore = None
    suspend: Suspend = False
    recurse_submodules: Annotated[bool, Prop("Also clone submodules.")] = False
    include: Annotated[tuple[GitRepositoryInclude, ...], Prop("Other repositories' artifacts to include.")] = ()
    sparse_checkout: Annotated[tuple[str, ...], Prop("Directories to check out; all when empty.")] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class GitRepositoryStatus:
    """What source-controller last observed and stored for a GitRepository."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    artifact: ArtifactStatus = None
    included_artifacts: Annotated[tuple[Artifact, ...], Prop("Artifacts of the included repositories.")] = ()
    observed_ignore: ObservedIgnore = None
    observed_recurse_submodules: Annotated[bool, Prop("The `spec.recurseSubmodules` of the artifact.")] = False
    observed_include: Annotated[
        tuple[GitRepositoryInclude, ...], Prop("The `spec.include` used for the current artifact.")
    ] = ()
    observed_sparse_checkout: Annotated[tuple[str, ...], Prop("The `spec.sparseCheckout` of the artifact.")] = ()
    source_verification_mode: Annotated[str | None, Prop("The verification mode of the current artifact.")] = None
    source_verification_fingerprint: Fingerprint = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GitRepository:
    """A Git repository whose checked-out tree source-controller publishes as an artifact."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="GitRepository",
        plural="gitrepositories",
        short_names=("gitrepo",),
        categories=CATEGORIES,
        columns=(Column(name="URL", json_path=".spec.url"), AGE, READY, STATUS),
        controller=CONTROLLER,
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[
        GitRepositorySpec,
        Prop(
            "Desired state of the GitRepository.",
            rules=(
                Rule(
                    "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || "
                    "self.provider == 'aws'))",
                    "serviceAccountName can only be set when provider is 'azure' or 'aws'",
                ),
            ),
        ),
    ]
    status: Annotated[GitRepositoryStatus, Prop("Observed state of the GitRepository.", default=STATUS_DEFAULT)] = (
        field(default_factory=GitRepositoryStatus)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class OCIRepositoryRef:
    """The OCI artifact to pull; precedence digest > semver > tag, tag `latest` when empty."""

    digest: Annotated[str | None, Prop("Manifest digest to pull.")] = None
    semver: Annotated[str | None, Prop("SemVer range; the highest matching tag is pulled.")] = None
    semver_filter: Annotated[str | None, Prop("Regular expression tags must match before the range applies.")] = None
    tag: Annotated[str | None, Prop("Tag to pull.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OCILayerSelector:
    """Which layer of the OCI artifact becomes the source artifact, and how."""

    media_type: Annotated[str | None, Prop("Media type of the layer; the first layer when empty.")] = None
    operation: Annotated[
        Literal["extract", "copy"] | None, Prop("Untar the layer (`extract`, default) or store it as is (`copy`).")
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OIDCIdentityMatch:
    """Regular expressions a keyless signature's OIDC issuer and subject must match."""

    issuer: Annotated[str, Prop("Regular expression for the OIDC issuer.")]
    subject: Annotated[str, Prop("Regular expression for the identity's subject.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class OCIRepositoryVerification:
    """Signature verification of the OCI artifact."""

    provider: Annotated[
        Literal["cosign", "notation"], Prop("Signature tool to verify with.", required=True, default="cosign")
    ] = "cosign"
    secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with the trusted public keys.")] = None
    match_oidc_identity: Annotated[
        tuple[OIDCIdentityMatch, ...],
        Prop("Accepted identities for keyless signatures; any may match.", wire="matchOIDCIdentity"),
    ] = ()
    trusted_root_secret_ref: Annotated[
        LocalObjectReference | None, Prop("Secret with a custom Sigstore trusted root.")
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OCIRepositorySpec:
    """What to pull from an OCI registry and how; url and interval are required by a rule on the object."""

    url: Annotated[str, Prop("Repository address `oci://<registry>/<path>`.", pattern=r"^oci://.*$", required=False)]
    interval: Annotated[float, Prop("How often to look for a new digest.", duration="h", required=False)]
    timeout: Annotated[float, Prop("Time limit for pulling; 60s when empty.", duration="m")] = 60.0
    ref: Annotated[OCIRepositoryRef | None, Prop("The tag, range or digest to pull.")] = None
    layer_selector: Annotated[OCILayerSelector | None, Prop("Which layer to use and how.")] = None
    provider: Annotated[CloudProvider, Prop("Cloud keychain for authentication; `generic` for none.")] = "generic"
    secret_ref: Annotated[LocalObjectReference | None, Prop("Docker config Secret with registry credentials.")] = None
    service_account_name: ServiceAccountName = None
    cert_secret_ref: CertSecretRef = None
    proxy_secret_ref: ProxySecretRef = None
    verify: Annotated[OCIRepositoryVerification | None, Prop("Verify the artifact's signature.")] = None
    insecure: Insecure = False
    ignore: Ignore = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OCIRepositoryStatus:
    """What source-controller last observed and stored for an OCIRepository."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    artifact: ArtifactStatus = None
    url: StatusURL = None
    observed_ignore: ObservedIgnore = None
    observed_layer_selector: Annotated[
        OCILayerSelector | None, Prop("The `spec.layerSelector` used for the current artifact.")
    ] = None
    source_verification_fingerprint: Fingerprint = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OCIRepository:
    """An OCI artifact in a container registry that source-controller publishes as an artifact."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="OCIRepository",
        plural="ocirepositories",
        short_names=("ocirepo",),
        categories=CATEGORIES,
        columns=(Column(name="URL", json_path=".spec.url"), READY, STATUS, AGE),
        controller=CONTROLLER,
        rules=(
            Rule("has(self.spec) && has(self.spec.url)", "spec.url is required"),
            Rule("has(self.spec) && has(self.spec.interval)", "spec.interval is required"),
        ),
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[OCIRepositorySpec, Prop("Desired state of the OCIRepository.")]
    status: Annotated[OCIRepositoryStatus, Prop("Observed state of the OCIRepository.", default=STATUS_DEFAULT)] = (
        field(default_factory=OCIRepositoryStatus)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class BucketSTSSpec:
    """A security token service that exchanges the bucket credentials for temporary ones."""

    provider: Annotated[Literal["aws", "ldap"], Prop("Kind of token service.")]
    endpoint: Annotated[str, Prop("Address of the token service.", pattern=r"^(http|https)://.*$")]
    secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with the token service credentials.")] = None
    cert_secret_ref: CertSecretRef = None


BUCKET_RULES = (
    Rule(
        "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",
        "STS configuration is only supported for the 'aws' and 'generic' Bucket providers",
    ),
    Rule(
        "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",
        "'aws' is the only supported STS provider for the 'aws' Bucket provider",
    ),
    Rule(
        "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",
        "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
    ),
    Rule(
        "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)",
        "spec.sts.secretRef is not required for the 'aws' STS provider",
    ),
    Rule(
        "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)",
        "spec.sts.certSecretRef is not required for the 'aws' STS provider",
    ),
    Rule(
        "self.provider != 'generic' || !has(self.serviceAccountName)",
        "ServiceAccountName is not supported for the 'generic' Bucket provider",
    ),
    Rule(
        "!has(self.secretRef) || !has(self.serviceAccountName)",
        "cannot set both .spec.secretRef and .spec.serviceAccountName",
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BucketSpec:
    """Which S3-compatible (or cloud) bucket to fetch and how."""

    provider: Annotated[
        Literal["generic", "aws", "gcp", "azure"],
        Prop("Storage API and authentication: any S3 API, or a cloud's own.", default="generic"),
    ] = "generic"
    bucket_name: Annotated[str, Prop("Name of the bucket.")]
    endpoint: Annotated[str, Prop("Address of the storage API.")]
    region: Annotated[str | None, Prop("Region of the bucket.")] = None
    prefix: Annotated[str | None, Prop("Only fetch keys with this prefix.")] = None
    interval: Interval
    timeout: Timeout = 60.0
    secret_ref: SecretRef = None
    service_account_name: ServiceAccountName = None
    cert_secret_ref: CertSecretRef = None
    proxy_secret_ref: ProxySecretRef = None
    sts: Annotated[BucketSTSSpec | None, Prop("Token service for temporary credentials.")] = None
    insecure: Insecure = False
    ignore: Ignore = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class BucketStatus:
    """What source-controller last observed and stored for a Bucket."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    artifact: ArtifactStatus = None
    url: StatusURL = None
    observed_ignore: ObservedIgnore = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Bucket:
    """Objects in a storage bucket that source-controller publishes as an artifact."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="Bucket",
        plural="buckets",
        categories=CATEGORIES,
        columns=(Column(name="Endpoint", json_path=".spec.endpoint"), AGE, READY, STATUS),
        controller=CONTROLLER,
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[BucketSpec, Prop("Desired state of the Bucket.", rules=BUCKET_RULES)]
    status: Annotated[BucketStatus, Prop("Observed state of the Bucket.", default=STATUS_DEFAULT)] = field(
        default_factory=BucketStatus
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalArtifactSpec:
    """What an ExternalArtifact was made from."""

    source_ref: Annotated[
        NamespacedObjectKindReference | None, Prop("The object the producer made the artifact from.")
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalArtifactStatus:
    """The artifact a producer published, and its readiness."""

    artifact: ArtifactStatus = None
    conditions: Conditions = ()
    exported_inputs: Annotated[
        Mapping[str, object], Prop("Data the producer extracted from the source for templating downstream.")
    ] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalArtifact:
    """An artifact published by a controller other than source-controller, consumable like any source."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="ExternalArtifact",
        plural="externalartifacts",
        short_names=("ea",),
        categories=CATEGORIES,
        columns=(AGE, READY, STATUS, Column(name="Source", json_path=".spec.sourceRef.name")),
        controller="source-watcher",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[ExternalArtifactSpec, Prop("What the artifact was made from.")] = field(
        default_factory=ExternalArtifactSpec
    )
    status: Annotated[ExternalArtifactStatus, Prop("The published artifact.")] = field(
        default_factory=ExternalArtifactStatus
    )
