"""Status conditions: the `Condition` record of `status.conditions`, and Flux's condition types and reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from reflow.api.meta import Manifest
from reflow.api.schema import Prop

ConditionStatus = Literal["True", "False", "Unknown"]

TYPE_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
)
REASON_PATTERN = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """One observation about an object (`metav1.Condition`): a type, its status, and why."""

    type: Annotated[
        str,
        Prop("Condition type, CamelCase, optionally prefixed by a DNS domain.", max_length=316, pattern=TYPE_PATTERN),
    ]
    status: Annotated[ConditionStatus, Prop("True, False or Unknown.")]
    observed_generation: Annotated[
        int | None, Prop("Generation of the object this condition describes.", minimum=0, format="int64")
    ] = None
    last_transition_time: Annotated[str, Prop("When the status last changed (RFC 3339).", format="date-time")]
    reason: Annotated[
        str, Prop("CamelCase identifier of the cause.", min_length=1, max_length=1024, pattern=REASON_PATTERN)
    ]
    message: Annotated[str, Prop("Human readable detail; may be empty.", max_length=32768)]


# Condition types (kstatus: Ready has positive polarity; Reconciling and Stalled are present only while True).
READY = "Ready"
RECONCILING = "Reconciling"
STALLED = "Stalled"
HEALTHY = "Healthy"
ACCESS_DENIED_CONDITION = "AccessDenied"
# Sources.
ARTIFACT_IN_STORAGE = "ArtifactInStorage"
ARTIFACT_OUTDATED = "ArtifactOutdated"
FETCH_FAILED = "FetchFailed"
BUILD_FAILED_CONDITION = "BuildFailed"
STORAGE_OPERATION_FAILED = "StorageOperationFailed"
SOURCE_VERIFIED = "SourceVerified"
INCLUDE_UNAVAILABLE = "IncludeUnavailable"
# HelmRelease.
RELEASED = "Released"
TEST_SUCCESS = "TestSuccess"
REMEDIATED = "Remediated"
DRIFTED = "Drifted"

# Reasons shared by every controller (fluxcd/pkg apis/meta).
SUCCEEDED = "Succeeded"
FAILED = "Failed"
PROGRESSING = "Progressing"
PROGRESSING_WITH_RETRY = "ProgressingWithRetry"
SUSPENDED = "Suspended"
DEPENDENCY_NOT_READY = "DependencyNotReady"
INVALID_PATH = "InvalidPath"
INVALID_URL = "InvalidURL"
INSECURE_CONNECTIONS_DISALLOWED = "InsecureConnectionsDisallowed"
UNSUPPORTED_CONNECTION_TYPE = "UnsupportedConnectionType"
PRUNE_FAILED = "PruneFailed"
ARTIFACT_FAILED = "ArtifactFailed"
BUILD_FAILED = "BuildFailed"
HEALTH_CHECK_FAILED = "HealthCheckFailed"
HEALTH_CHECK_CANCELED = "HealthCheckCanceled"
RECONCILIATION_SUCCEEDED = "ReconciliationSucceeded"
RECONCILIATION_FAILED = "ReconciliationFailed"
INVALID_CEL_EXPRESSION = "InvalidCELExpression"
FEATURE_GATE_DISABLED = "FeatureGateDisabled"
ACCESS_DENIED = "AccessDenied"
DIRECTORY_CREATION_FAILED = "DirectoryCreationFailed"
# reflow's own: a spec the CRD schema let through but the controller cannot use (Ready=False, Stalled=True).
INVALID_SPEC = "InvalidSpec"

# Source reasons.
AUTHENTICATION_FAILED = "AuthenticationFailed"
GIT_OPERATION_FAILED = "GitOperationFailed"
GIT_OPERATION_SUCCEEDED = "GitOperationSucceeded"
OCI_ARTIFACT_PULL_FAILED = "OCIArtifactPullFailed"
OCI_ARTIFACT_LAYER_OPERATION_FAILED = "OCIArtifactLayerOperationFailed"
BUCKET_OPERATION_FAILED = "BucketOperationFailed"
INDEXATION_FAILED = "IndexationFailed"
CHART_PULL_SUCCEEDED = "ChartPullSucceeded"
CHART_PULL_ERROR = "ChartPullError"
CHART_PACKAGE_SUCCEEDED = "ChartPackageSucceeded"
CHART_PACKAGE_ERROR = "ChartPackageError"
CHART_BUILD_UNKNOWN_ERROR = "Unknown"
CHART_METADATA_PATCH_ERROR = "MetadataPatchError"
VALUES_FILES_ERROR = "ValuesFilesError"
DEPENDENCY_BUILD_ERROR = "DependencyBuildError"
CHART_VERIFICATION_ERROR = "ChartVerificationError"
SOURCE_UNAVAILABLE = "SourceUnavailable"
NO_SOURCE_ARTIFACT = "NoSourceArtifact"
INVALID_CHART_REFERENCE = "InvalidChartReference"
URL_INVALID = "URLInvalid"
ILLEGAL_PATH = "IllegalPath"
VERIFICATION_ERROR = "VerificationError"
VERIFICATION_FAILED = "VerificationFailed"
STAT_OPERATION_FAILED = "StatOperationFailed"
READ_OPERATION_FAILED = "ReadOperationFailed"
ACQUIRE_LOCK_FAILED = "AcquireLockFailed"
ARCHIVE_OPERATION_FAILED = "ArchiveOperationFailed"
SYMLINK_UPDATE_FAILED = "SymlinkUpdateFailed"
CACHE_OPERATION_FAILED = "CacheOperationFailed"
PATCH_OPERATION_FAILED = "PatchOperationFailed"
INVALID_STS_CONFIGURATION = "InvalidSTSConfiguration"
INVALID_PROVIDER_CONFIGURATION = "InvalidProviderConfiguration"
NEW_REVISION = "NewRevision"
NEW_CHART = "NewChart"
# Source events.
NEW_ARTIFACT = "NewArtifact"
ARTIFACT_UP_TO_DATE = "ArtifactUpToDate"

# ArtifactGenerator reasons.
RECONCILIATION_DISABLED = "ReconciliationDisabled"
VALIDATION_FAILED = "ValidationFailed"
SOURCE_FETCH_FAILED = "SourceFetchFailed"

# HelmRelease reasons.
INSTALL_SUCCEEDED = "InstallSucceeded"
INSTALL_FAILED = "InstallFailed"
UPGRADE_SUCCEEDED = "UpgradeSucceeded"
UPGRADE_FAILED = "UpgradeFailed"
TEST_SUCCEEDED = "TestSucceeded"
TEST_FAILED = "TestFailed"
ROLLBACK_SUCCEEDED = "RollbackSucceeded"
ROLLBACK_FAILED = "RollbackFailed"
UNINSTALL_SUCCEEDED = "UninstallSucceeded"
UNINSTALL_FAILED = "UninstallFailed"
VALUES_ERROR = "ValuesError"
INVENTORY_BUILD_FAILED = "InventoryBuildFailed"
DRIFT_DETECTED = "DriftDetected"
NO_DRIFT_DETECTED = "NoDriftDetected"
RETRIES_EXCEEDED = "RetriesExceeded"
DRIFT_CORRECTION_FAILED = "DriftCorrectionFailed"
PENDING_RELEASE = "PendingRelease"

# Receiver reasons.
TOKEN_NOT_FOUND = "TokenNotFound"
INITIALIZED = "Initialized"

# Image reasons.
NEW_GENERATION = "NewGeneration"
SCANNING = "Scanning"
IMAGE_URL_INVALID = "ImageURLInvalid"
INTERVAL_NOT_CONFIGURED = "IntervalNotConfigured"
ACCESSING_REPOSITORY = "AccessingRepository"
APPLYING_POLICY = "ApplyingPolicy"
FAILURE = "Failure"
INVALID_UPDATE_STRATEGY = "InvalidUpdateStrategy"
INVALID_SOURCE_CONFIGURATION = "InvalidSourceConfiguration"
SOURCE_MANAGER_FAILED = "SourceManagerFailed"
UPDATE_FAILED = "UpdateFailed"
INVALID_POLICY_SELECTOR = "InvalidPolicySelector"
REMOVED_TEMPLATE_FIELD = "RemovedTemplateField"


def find(conditions: tuple[Condition, ...], condition_type: str) -> Condition | None:
    """The condition of a type, or None when the object does not carry it."""
    return next((condition for condition in conditions if condition.type == condition_type), None)


def is_true(conditions: tuple[Condition, ...], condition_type: str) -> bool:
    """Whether the condition of a type is present with status True."""
    condition = find(conditions, condition_type)
    return condition is not None and condition.status == "True"


def condition(obj: Mapping[str, Any] | None, condition_type: str) -> Manifest | None:
    """The condition of a type in an object's `status.conditions` (wire dicts), or None when absent."""
    entries = ((obj or {}).get("status") or {}).get("conditions") or []
    return next((entry for entry in entries if entry.get("type") == condition_type), None)


def condition_true(obj: Mapping[str, Any] | None, condition_type: str) -> bool:
    """Whether an object's `status.conditions` holds the condition of a type with status True."""
    found = condition(obj, condition_type)
    return found is not None and found.get("status") == "True"


Conditions = Annotated[tuple[Condition, ...], Prop("The latest observations of the object's state.")]
