"""Models of Provider, Alert and Receiver (`notification.toolkit.fluxcd.io/v1`), and the deprecated v1beta3 Provider
and Alert that Flux 2.10 still serves (v1 dropped `summary`, `interval` and `proxy`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.conditions import Conditions
from reflow.api.meta import (
    STATUS_DEFAULT,
    LastHandledReconcileAt,
    LocalObjectReference,
    ObjectMeta,
    ObservedGeneration,
    Suspend,
)
from reflow.api.schema import AGE, READY, STATUS, KindInfo, Prop, Rule

GROUP = "notification.toolkit.fluxcd.io"
CATEGORIES = ("all", "fluxcd", "fluxcd-notifications")
CONTROLLER = "notification-controller"

ProviderType = Literal[
    "slack", "discord", "msteams", "rocket", "generic", "generic-hmac", "github", "gitlab", "gitea",
    "giteapullrequestcomment", "bitbucketserver", "bitbucket", "azuredevops", "googlechat", "googlepubsub", "webex",
    "sentry", "azureeventhub", "telegram", "lark", "matrix", "opsgenie", "alertmanager", "grafana", "githubdispatch",
    "githubpullrequestcomment", "gitlabmergerequestcomment", "pagerduty", "datadog", "nats", "zulip", "otel", "zoom",
    "incident.io",
]  # fmt: skip
ProviderTypeV1 = Literal[
    "slack", "discord", "msteams", "rocket", "generic", "generic-hmac", "github", "gitlab", "gitea",
    "giteapullrequestcomment", "bitbucketserver", "bitbucket", "azuredevops", "googlechat", "googlepubsub", "webex",
    "sentry", "azureeventhub", "telegram", "lark", "matrix", "opsgenie", "alertmanager", "grafana", "githubdispatch",
    "githubpullrequestcomment", "gitlabmergerequestcomment", "pagerduty", "datadog", "nats", "zulip", "otel", "zoom",
    "incident.io", "mastodon",
]  # fmt: skip
ReceiverType = Literal[
    "generic", "generic-hmac", "generic-oidc", "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay", "gcr",
    "nexus", "acr", "cdevents",
]  # fmt: skip
FluxKind = Literal[
    "Bucket", "GitRepository", "Kustomization", "HelmRelease", "HelmChart", "HelmRepository", "ImageRepository",
    "ImagePolicy", "ImageUpdateAutomation", "OCIRepository", "ArtifactGenerator", "ExternalArtifact",
]  # fmt: skip
COMMIT_STATUS_TYPES = ("github", "gitlab", "gitea", "bitbucketserver", "bitbucket", "azuredevops")
COMMIT_STATUS_RULE = Rule(
    " || ".join(f"self.type == '{name}'" for name in COMMIT_STATUS_TYPES) + " || !has(self.commitStatusExpr)",
    "spec.commitStatusExpr is only supported for the "
    + ", ".join(f"'{name}'" for name in COMMIT_STATUS_TYPES)
    + " provider types",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSpec:
    """Where and how to deliver notifications."""

    type: Annotated[ProviderTypeV1, Prop("The service notifications go to.")]
    address: Annotated[str | None, Prop("Webhook or API address.", max_length=2048)] = None
    channel: Annotated[str | None, Prop("Channel, topic or room to post to.", max_length=2048)] = None
    username: Annotated[str | None, Prop("Name to post as.", max_length=2048)] = None
    proxy_secret_ref: Annotated[
        LocalObjectReference | None, Prop("Secret with the proxy `address`, `username` and `password`.")
    ] = None
    secret_ref: Annotated[
        LocalObjectReference | None, Prop("Secret with the `address`, `token`, credentials or `headers`.")
    ] = None
    cert_secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with `ca.crt`, `tls.crt`, `tls.key`.")] = None
    service_account_name: Annotated[str | None, Prop("ServiceAccount whose identity authenticates.")] = None
    commit_status_expr: Annotated[str | None, Prop("CEL expression making the commit status key.")] = None
    timeout: Annotated[float | None, Prop("Time limit for one delivery.", duration="m")] = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSpecV1Beta3(ProviderSpec):
    """The v1beta3 Provider spec: v1's fields, without `mastodon`, plus the deprecated `proxy` and `interval`."""

    type: Annotated[ProviderType, Prop("The service notifications go to.")]
    proxy: Annotated[
        str | None, Prop("Deprecated: use `proxySecretRef`.", pattern=r"^(http|https)://.*$", max_length=2048)
    ] = None
    interval: Annotated[float | None, Prop("Deprecated and unused.", duration="h")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderV1Beta3:
    """A notification target (deprecated version: use v1)."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version="v1beta3",
        kind="Provider",
        plural="providers",
        categories=CATEGORIES,
        columns=(AGE,),
        controller=CONTROLLER,
        deprecation="v1beta3 Provider is deprecated, upgrade to v1",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[ProviderSpecV1Beta3, Prop("Desired state of the Provider.", rules=(COMMIT_STATUS_RULE,))]


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """A notification target: chat, webhook, Git commit status, incident or telemetry service."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version="v1",
        kind="Provider",
        plural="providers",
        categories=CATEGORIES,
        columns=(AGE,),
        controller=CONTROLLER,
        served_also=(ProviderV1Beta3,),
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[ProviderSpec, Prop("Desired state of the Provider.", rules=(COMMIT_STATUS_RULE,))]


@dataclass(frozen=True, slots=True, kw_only=True)
class EventSource:
    """Objects whose events an Alert forwards, or a Receiver reconciles."""

    api_version: Annotated[str | None, Prop("API version of the objects.")] = None
    kind: Annotated[FluxKind, Prop("Kind of the objects.")]
    name: Annotated[str, Prop("Name of the object, or `*` for all (with `matchLabels`).", max_length=253)]
    namespace: Annotated[str | None, Prop("Namespace of the objects; the referrer's when empty.", max_length=253)] = (
        None
    )
    match_labels: Annotated[Mapping[str, str], Prop("Labels the objects must carry when name is `*`.")] = field(
        default_factory=dict
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertSpec:
    """Which events to forward to which Provider."""

    provider_ref: Annotated[LocalObjectReference, Prop("The Provider to send to.")]
    event_sources: Annotated[tuple[EventSource, ...], Prop("Objects whose events are sent.")]
    event_severity: Annotated[
        Literal["info", "error"], Prop("Lowest severity sent: `info` sends everything.", default="info")
    ] = "info"
    event_metadata: Annotated[Mapping[str, str], Prop("Metadata added to every event.")] = field(default_factory=dict)
    inclusion_list: Annotated[tuple[str, ...], Prop("Regular expressions; only matching messages are sent.")] = ()
    exclusion_list: Annotated[tuple[str, ...], Prop("Regular expressions; matching messages are dropped.")] = ()
    message_template: Annotated[
        str | None,
        Prop(
            "reflow: the message sent. With `{{`, a Go template over the event (`.InvolvedObject.Name`, `.Message`, "
            "`.Severity`, `.Reason`, `.Action`, `.Metadata.<key>`, …); otherwise `${var}` substitution over "
            "`message`, `reason`, `severity`, `kind`, `name`, `namespace`, `action`, `controller`, `timestamp` and "
            "the metadata keys.",
            max_length=4096,
        ),
    ] = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertSpecV1Beta3(AlertSpec):
    """The v1beta3 Alert spec: v1's fields plus the deprecated `summary`."""

    summary: Annotated[str | None, Prop("Deprecated: use `eventMetadata.summary`.", max_length=255)] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertV1Beta3:
    """Routes events of selected Flux objects to a Provider (deprecated version: use v1)."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version="v1beta3",
        kind="Alert",
        plural="alerts",
        categories=CATEGORIES,
        columns=(AGE,),
        controller=CONTROLLER,
        deprecation="v1beta3 Alert is deprecated, upgrade to v1",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[AlertSpecV1Beta3, Prop("Desired state of the Alert.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """Routes events of selected Flux objects to a Provider."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version="v1",
        kind="Alert",
        plural="alerts",
        categories=CATEGORIES,
        columns=(AGE,),
        controller=CONTROLLER,
        served_also=(AlertV1Beta3,),
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[AlertSpec, Prop("Desired state of the Alert.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverResource:
    """Objects a Receiver asks to reconcile, optionally filtered by CEL."""

    api_version: Annotated[str | None, Prop("API version of the objects.")] = None
    kind: Annotated[FluxKind, Prop("Kind of the objects.")]
    name: Annotated[str, Prop("Name of the object, or `*` for all (with `matchLabels`).", max_length=253)]
    namespace: Annotated[str | None, Prop("Namespace of the objects; the Receiver's when empty.", max_length=253)] = (
        None
    )
    match_labels: Annotated[Mapping[str, str], Prop("Labels the objects must carry when name is `*`.")] = field(
        default_factory=dict
    )
    filter: Annotated[str | None, Prop("CEL expression over `res` and `req` selecting objects.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CELValidation:
    """A CEL check on an OIDC token."""

    expression: Annotated[str, Prop("CEL expression that must be true.")]
    message: Annotated[str, Prop("Error when it is false.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class CELVariable:
    """A named CEL value available to later expressions."""

    name: Annotated[str, Prop("Variable name.")]
    expression: Annotated[str, Prop("CEL expression giving its value.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class OIDCProvider:
    """An OIDC issuer whose tokens a `generic-oidc` Receiver accepts."""

    issuer_url: Annotated[str, Prop("Issuer URL.", wire="issuerURL", pattern=r"^https?://")]
    audience: Annotated[str | None, Prop("Expected audience of the tokens.")] = None
    variables: Annotated[tuple[CELVariable, ...], Prop("Variables computed from the claims.")] = ()
    validations: Annotated[tuple[CELValidation, ...], Prop("Checks every token must pass.")]


RECEIVER_RULES = (
    Rule(
        "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)",
        "generic-oidc receivers must define at least one oidcProvider",
    ),
    Rule(
        "self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0",
        "oidcProviders can only be set when type is generic-oidc",
    ),
    Rule("self.type != 'generic-oidc' || !has(self.secretRef)", "secretRef cannot be set when type is generic-oidc"),
    Rule("self.type == 'generic-oidc' || has(self.secretRef)", "secretRef is required when type is not generic-oidc"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverSpec:
    """Which webhook requests to accept and which objects they reconcile."""

    type: Annotated[ReceiverType, Prop("The sender, which decides how a request is validated.")]
    interval: Annotated[float, Prop("How often to check the secret again.", duration="h", default="10m")] = 600.0
    events: Annotated[tuple[str, ...], Prop("Event types to accept; all when empty.")] = ()
    resources: Annotated[tuple[ReceiverResource, ...], Prop("Objects to reconcile on a valid request.")]
    resource_filter: Annotated[str | None, Prop("CEL expression over `res` and `req` selecting objects.")] = None
    secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with the `token`.")] = None
    oidc_providers: Annotated[tuple[OIDCProvider, ...], Prop("Accepted OIDC issuers for `generic-oidc`.")] = ()
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverStatus:
    """Where the Receiver listens, and its readiness."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    webhook_path: Annotated[str | None, Prop("Path of the webhook: `/hook/<sha256>`.")] = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Receiver:
    """A webhook that asks for a reconcile of selected Flux objects when a valid request arrives."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version="v1",
        kind="Receiver",
        plural="receivers",
        categories=CATEGORIES,
        columns=(AGE, READY, STATUS),
        controller=CONTROLLER,
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[ReceiverSpec, Prop("Desired state of the Receiver.", rules=RECEIVER_RULES)]
    status: Annotated[ReceiverStatus, Prop("Observed state of the Receiver.", default=STATUS_DEFAULT)] = field(
        default_factory=ReceiverStatus
    )
