"""Models of ImageRepository, ImagePolicy and ImageUpdateAutomation (`image.toolkit.fluxcd.io/v1`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.conditions import Conditions
from reflow.api.meta import (
    STATUS_DEFAULT,
    AccessFrom,
    LastHandledReconcileAt,
    LocalObjectReference,
    NamespacedObjectReference,
    ObjectMeta,
    ObservedGeneration,
    Suspend,
)
from reflow.api.schema import AGE, READY, STATUS, Column, KindInfo, Prop, Rule
from reflow.api.source import CloudProvider, GitRepositoryRef

GROUP = "image.toolkit.fluxcd.io"
VERSION = "v1"
CATEGORIES = ("all", "fluxcd", "fluxcd-images")
SIGNATURE_TAGS = r"^.*\.sig$"
Order = Literal["asc", "desc"]

# Condition reasons of image-reflector-controller and image-automation-controller.
INVALID_POLICY = "InvalidPolicy"
FAILURE = "Failure"
IMAGE_URL_INVALID = "ImageURLInvalid"
INTERVAL_NOT_CONFIGURED = "IntervalNotConfigured"
INVALID_SOURCE_CONFIGURATION = "InvalidSourceConfiguration"
SOURCE_MANAGER_FAILED = "SourceManagerFailed"
UPDATE_FAILED = "UpdateFailed"
INVALID_POLICY_SELECTOR = "InvalidPolicySelector"
REMOVED_TEMPLATE_FIELD = "RemovedTemplateField"
INVALID_UPDATE_STRATEGY = "InvalidUpdateStrategy"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRepositorySpec:
    """Which image repository to scan for tags, and how."""

    image: Annotated[str, Prop("Image repository, without tag, e.g. `ghcr.io/org/app`.")]
    interval: Annotated[float, Prop("How often to scan.", duration="h")]
    timeout: Annotated[float | None, Prop("Time limit for a scan; the interval when empty.", duration="m")] = None
    exclusion_list: Annotated[
        tuple[str, ...], Prop("Regular expressions of tags to ignore.", default=[SIGNATURE_TAGS], max_items=25)
    ] = (SIGNATURE_TAGS,)
    provider: Annotated[CloudProvider, Prop("Cloud login for the registry; `generic` for none.", default="generic")] = (
        "generic"
    )
    secret_ref: Annotated[LocalObjectReference | None, Prop("Docker config Secret with registry credentials.")] = None
    service_account_name: Annotated[
        str | None, Prop("ServiceAccount whose pull secrets or identity authenticate.", max_length=253)
    ] = None
    cert_secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with `ca.crt`, `tls.crt`, `tls.key`.")] = None
    proxy_secret_ref: Annotated[
        LocalObjectReference | None, Prop("Secret with the proxy `address`, `username` and `password`.")
    ] = None
    access_from: Annotated[AccessFrom | None, Prop("Namespaces whose ImagePolicies may use this repository.")] = None
    insecure: Annotated[bool, Prop("Allow plain HTTP to the registry.")] = False
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanResult:
    """Summary of the last tag scan."""

    tag_count: Annotated[int, Prop("Number of tags found.")]
    scan_time: Annotated[str | None, Prop("When the scan ran (RFC 3339).", format="date-time")] = None
    latest_tags: Annotated[tuple[str, ...], Prop("A sample of the newest tags.")] = ()
    revision: Annotated[str | None, Prop("Stable hash of the tag list.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRepositoryStatus:
    """What image-reflector-controller last scanned."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    canonical_image_name: Annotated[str | None, Prop("Fully qualified image name, e.g. `docker.io/library/x`.")] = None
    last_scan_result: Annotated[ScanResult | None, Prop("Result of the last scan.")] = None
    observed_exclusion_list: Annotated[tuple[str, ...], Prop("The `spec.exclusionList` of the last scan.")] = ()
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRepository:
    """An image repository whose tags image-reflector-controller scans and keeps."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="ImageRepository",
        plural="imagerepositories",
        short_names=("imgrepo", "imagerepo"),
        categories=CATEGORIES,
        columns=(
            Column(name="Image", json_path=".spec.image"),
            Column(name="Tags", json_path=".status.lastScanResult.tagCount", type="integer"),
            READY,
            STATUS,
            Column(name="Last scan", json_path=".status.lastScanResult.scanTime", type="date"),
            AGE,
        ),
        controller="image-reflector-controller",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[ImageRepositorySpec, Prop("Desired state of the ImageRepository.")]
    status: Annotated[ImageRepositoryStatus, Prop("Observed state of the ImageRepository.", default=STATUS_DEFAULT)] = (
        field(default_factory=ImageRepositoryStatus)
    )


@dataclass(frozen=True, slots=True)
class SemVerPolicy:
    """Pick the highest tag in a SemVer range."""

    range: Annotated[str, Prop("SemVer range, e.g. `>=1.0.0 <2.0.0`.")]


@dataclass(frozen=True, slots=True)
class OrderPolicy:
    """Pick the first or last tag in alphabetical or numerical order."""

    order: Annotated[Order, Prop("`asc` picks the highest, `desc` the lowest.", default="asc")] = "asc"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagePolicyChoice:
    """The rule that picks the latest tag; set exactly one."""

    semver: Annotated[SemVerPolicy | None, Prop("Highest tag in a SemVer range.")] = None
    alphabetical: Annotated[OrderPolicy | None, Prop("Last tag in alphabetical order.")] = None
    numerical: Annotated[OrderPolicy | None, Prop("Largest tag read as a number.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TagFilter:
    """Only consider tags matching a pattern, optionally comparing a part of them."""

    pattern: Annotated[str | None, Prop("Regular expression a tag must match.")] = None
    extract: Annotated[str | None, Prop("Replacement using the pattern's groups, e.g. `$ts`, compared instead.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRef:
    """An image by name, tag and optional digest."""

    name: Annotated[str, Prop("Image name.")]
    tag: Annotated[str, Prop("Image tag.")]
    digest: Annotated[str | None, Prop("Image digest.")] = None


IMAGE_POLICY_RULES = (
    Rule(
        "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",
        "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
    ),
    Rule(
        "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",
        "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagePolicySpec:
    """Which repository's tags to choose from, and how."""

    image_repository_ref: Annotated[NamespacedObjectReference, Prop("The ImageRepository with the tags.")]
    policy: Annotated[ImagePolicyChoice, Prop("The rule that picks the latest tag.")]
    filter_tags: Annotated[TagFilter | None, Prop("Tags to consider.")] = None
    digest_reflection_policy: Annotated[
        Literal["Always", "IfNotPresent", "Never"],
        Prop("When to look up the digest of the chosen tag.", default="Never"),
    ] = "Never"
    interval: Annotated[float | None, Prop("How often to look up digests (with `Always`).", duration="h")] = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagePolicyStatus:
    """The tag the policy chose."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    latest_ref: Annotated[ImageRef | None, Prop("The chosen image.")] = None
    observed_previous_ref: Annotated[ImageRef | None, Prop("The image chosen before.")] = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagePolicy:
    """Chooses the latest image tag of an ImageRepository by a SemVer, alphabetical or numerical rule."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="ImagePolicy",
        plural="imagepolicies",
        short_names=("imgpol", "imagepol"),
        categories=CATEGORIES,
        columns=(
            Column(name="Image", json_path=".spec.imageRepositoryRef.name"),
            Column(name="Tag", json_path=".status.latestRef.tag"),
            READY,
            STATUS,
            AGE,
        ),
        controller="image-reflector-controller",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[ImagePolicySpec, Prop("Desired state of the ImagePolicy.", rules=IMAGE_POLICY_RULES)]
    status: Annotated[ImagePolicyStatus, Prop("Observed state of the ImagePolicy.", default=STATUS_DEFAULT)] = field(
        default_factory=ImagePolicyStatus
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitUser:
    """Author of the commits."""

    email: Annotated[str, Prop("Email address.")]
    name: Annotated[str | None, Prop("Name.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningKey:
    """Key that signs the commits."""

    secret_ref: Annotated[LocalObjectReference, Prop("Secret with the key (`git.asc` or `identity`).")]
    type: Annotated[Literal["gpg", "ssh"] | None, Prop("Kind of key.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitSpec:
    """How to write the commit."""

    author: Annotated[CommitUser, Prop("Commit author.")]
    signing_key: Annotated[SigningKey | None, Prop("Sign the commit.")] = None
    message_template: Annotated[str | None, Prop("Go template of the commit message.")] = None
    message_template_values: Annotated[Mapping[str, str], Prop("Values available to the template.")] = field(
        default_factory=dict
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class GitCheckout:
    """What to check out before updating."""

    ref: Annotated[GitRepositoryRef, Prop("Reference to check out.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequestSpec:
    """reflow's own addition: open a pull request from the push branch once a commit is pushed."""

    provider: Annotated[Literal["gitea"], Prop("Forge API to call (Gitea and Forgejo).", default="gitea")] = "gitea"
    secret_ref: Annotated[LocalObjectReference, Prop("Secret with the API `token`.")]
    target_branch: Annotated[str | None, Prop("Branch to merge into; the checked-out branch when empty.")] = None
    api_url: Annotated[
        str | None,
        Prop("API root, e.g. `https://gitea.example/api/v1`; the repository's host when empty.", wire="apiURL"),
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PushSpec:
    """Where to push the commit."""

    branch: Annotated[str | None, Prop("Branch to push to; the checked-out branch when empty.")] = None
    refspec: Annotated[str | None, Prop("Additional refspec to push.")] = None
    options: Annotated[Mapping[str, str], Prop("Git push options.")] = field(default_factory=dict)
    pull_request: Annotated[
        PullRequestSpec | None, Prop("Open a pull request from `branch` (reflow's own field, not Flux's).")
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GitSpec:
    """Checkout, commit and push settings."""

    checkout: Annotated[GitCheckout | None, Prop("Reference to check out; the GitRepository's when empty.")] = None
    commit: Annotated[CommitSpec, Prop("Commit settings.")]
    push: Annotated[PushSpec | None, Prop("Push settings.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelSelectorRequirement:
    """One label selector expression."""

    key: Annotated[str, Prop("Label key.")]
    operator: Annotated[str, Prop("In, NotIn, Exists or DoesNotExist.")]
    values: Annotated[tuple[str, ...], Prop("Values for In and NotIn.")] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelSelector:
    """A Kubernetes label selector."""

    match_labels: Annotated[Mapping[str, str], Prop("Labels that must match exactly.")] = field(default_factory=dict)
    match_expressions: Annotated[tuple[LabelSelectorRequirement, ...], Prop("Expressions that must all hold.")] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateStrategy:
    """How to find and rewrite image references in the files."""

    strategy: Annotated[Literal["Setters"], Prop("Rewrite fields marked with setter comments.", default="Setters")] = (
        "Setters"
    )
    path: Annotated[str | None, Prop("Directory to update; the repository root when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AutomationSourceReference:
    """The GitRepository to update."""

    api_version: Annotated[str | None, Prop("API version of the source.")] = None
    kind: Annotated[Literal["GitRepository"], Prop("Kind of the source.", default="GitRepository", required=True)] = (
        "GitRepository"
    )
    name: Annotated[str, Prop("Name of the source.")]
    namespace: Annotated[str | None, Prop("Namespace of the source; the automation's when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageUpdateAutomationSpec:
    """Which repository to update from which policies, and how to commit and push."""

    source_ref: Annotated[AutomationSourceReference, Prop("The GitRepository to update.")]
    git: Annotated[GitSpec | None, Prop("Git settings.")] = None
    interval: Annotated[float, Prop("How often to run.", duration="h")]
    policy_selector: Annotated[
        LabelSelector | None, Prop("ImagePolicies to apply; all in the namespace when empty.")
    ] = None
    update: Annotated[UpdateStrategy, Prop("How to update the files.", default={"strategy": "Setters"})] = field(
        default_factory=UpdateStrategy
    )
    policy_change_delay: Annotated[
        float | None,
        Prop(
            "Wait this long after an ImagePolicy change, so changes within the window go into one commit.", duration="h"
        ),
    ] = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageUpdateAutomationStatus:
    """What the last run committed and pushed."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    last_automation_run_time: Annotated[
        str | None, Prop("When the automation last ran (RFC 3339).", format="date-time")
    ] = None
    last_push_commit: Annotated[str | None, Prop("SHA of the last pushed commit.")] = None
    last_push_time: Annotated[str | None, Prop("When the last push happened (RFC 3339).", format="date-time")] = None
    observed_policies: Annotated[Mapping[str, ImageRef], Prop("Images chosen by the policies, by policy name.")] = (
        field(default_factory=dict)
    )
    observed_source_revision: Annotated[str | None, Prop("Source revision the last run started from.")] = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageUpdateAutomation:
    """Commits the images chosen by ImagePolicies into a Git repository and pushes them."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="ImageUpdateAutomation",
        plural="imageupdateautomations",
        short_names=("iua", "imgupd", "imgauto"),
        categories=CATEGORIES,
        columns=(READY, STATUS, Column(name="Last run", json_path=".status.lastAutomationRunTime", type="date"), AGE),
        controller="image-automation-controller",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[ImageUpdateAutomationSpec, Prop("Desired state of the ImageUpdateAutomation.")]
    status: Annotated[
        ImageUpdateAutomationStatus, Prop("Observed state of the ImageUpdateAutomation.", default=STATUS_DEFAULT)
    ] = field(default_factory=ImageUpdateAutomationStatus)
