"""HelmRelease action settings (`helm.toolkit.fluxcd.io/v2`): install, upgrade, test, rollback, uninstall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from reflow.api.schema import Prop, Rule

CRDsPolicy = Literal["Skip", "Create", "CreateReplace"]
ServerSideApplyMode = Literal["enabled", "disabled", "auto"]
StrategyName = Literal["RemediateOnFailure", "RetryOnFailure"]

ActionTimeout = Annotated[float | None, Prop("Time limit for the action; `spec.timeout` when empty.", duration="h")]
DisableWait = Annotated[bool, Prop("Do not wait for the resources to become ready.")]
DisableWaitForJobs = Annotated[bool, Prop("Do not wait for Jobs to complete.")]
DisableHooks = Annotated[bool, Prop("Skip the chart's hooks.")]
DisableOpenAPIValidation = Annotated[
    bool,
    Prop("Do not validate rendered manifests against the cluster's OpenAPI schema.", wire="disableOpenAPIValidation"),
]
DisableSchemaValidation = Annotated[bool, Prop("Do not validate values against the chart's JSON schema.")]
DisableTakeOwnership = Annotated[bool, Prop("Do not adopt existing resources missing release metadata.")]
CleanupOnFail = Annotated[bool, Prop("Delete resources the failed action created.")]
CRDs = Annotated[CRDsPolicy | None, Prop("What to do with the chart's CRDs: skip, create, or create and replace.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Strategy:
    """What to do when an action fails: remediate, or retry the action after a delay."""

    name: Annotated[StrategyName, Prop("Remediate per the remediation settings, or retry without remediating.")]
    retry_interval: Annotated[float | None, Prop("Wait before retrying; only for `RetryOnFailure`.", duration="h")] = (
        None
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallRemediation:
    """Retries and remediation after a failed install."""

    retries: Annotated[int | None, Prop("Retries before giving up; negative retries forever.")] = None
    ignore_test_failures: Annotated[bool | None, Prop("Do not treat failed tests as a failed install.")] = None
    remediate_last_failure: Annotated[bool | None, Prop("Also remediate the failure of the last retry.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpgradeRemediation:
    """Retries and remediation after a failed upgrade."""

    retries: Annotated[int | None, Prop("Retries before giving up; negative retries forever.")] = None
    ignore_test_failures: Annotated[bool | None, Prop("Do not treat failed tests as a failed upgrade.")] = None
    remediate_last_failure: Annotated[bool | None, Prop("Also remediate the failure of the last retry.")] = None
    strategy: Annotated[
        Literal["rollback", "uninstall"] | None, Prop("Roll back (default) or uninstall after a failed upgrade.")
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Install:
    """How to run `helm install`."""

    timeout: ActionTimeout = None
    remediation: Annotated[InstallRemediation | None, Prop("Retries and remediation after a failure.")] = None
    strategy: Annotated[
        Strategy | None,
        Prop(
            "Failure strategy.",
            rules=(
                Rule(
                    "!has(self.retryInterval) || self.name != 'RemediateOnFailure'",
                    ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
                ),
            ),
        ),
    ] = None
    disable_wait: DisableWait = False
    disable_wait_for_jobs: DisableWaitForJobs = False
    disable_hooks: DisableHooks = False
    disable_open_api_validation: DisableOpenAPIValidation = False
    disable_schema_validation: DisableSchemaValidation = False
    disable_take_ownership: DisableTakeOwnership = False
    replace: Annotated[bool, Prop("Reuse the name of a deleted release still in history.")] = False
    skip_crds: Annotated[bool, Prop("Deprecated: use `crds: Skip`.", wire="skipCRDs")] = False
    crds: CRDs = None
    create_namespace: Annotated[bool, Prop("Create the target namespace if it does not exist.")] = False
    server_side_apply: Annotated[bool | None, Prop("Apply with server-side apply; true when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Upgrade:
    """How to run `helm upgrade`."""

    timeout: ActionTimeout = None
    remediation: Annotated[UpgradeRemediation | None, Prop("Retries and remediation after a failure.")] = None
    strategy: Annotated[
        Strategy | None,
        Prop(
            "Failure strategy.",
            rules=(
                Rule(
                    "!has(self.retryInterval) || self.name == 'RetryOnFailure'",
                    ".retryInterval can only be set when .name is 'RetryOnFailure'",
                ),
            ),
        ),
    ] = None
    disable_wait: DisableWait = False
    disable_wait_for_jobs: DisableWaitForJobs = False
    disable_hooks: DisableHooks = False
    disable_open_api_validation: DisableOpenAPIValidation = False
    disable_schema_validation: DisableSchemaValidation = False
    disable_take_ownership: DisableTakeOwnership = False
    force: Annotated[bool, Prop("Replace resources that cannot be patched.")] = False
    preserve_values: Annotated[bool, Prop("Keep the values of the last release instead of recomputing them.")] = False
    cleanup_on_fail: CleanupOnFail = False
    crds: CRDs = None
    server_side_apply: Annotated[ServerSideApplyMode | None, Prop("Server-side apply: on, off, or as installed.")] = (
        None
    )
    chart_name_change_strategy: Annotated[
        Literal["InPlaceUpdate", "Reinstall"] | None,
        Prop("On a chart name change, upgrade in place or reinstall (default)."),
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TestFilter:
    """Selects Helm tests by name."""

    name: Annotated[str, Prop("Name of the test.", max_length=253)]
    exclude: Annotated[bool, Prop("Leave the test out instead of running only it.")] = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Test:
    """Whether and how to run `helm test` after install and upgrade."""

    enable: Annotated[bool, Prop("Run the chart's tests.")] = False
    timeout: ActionTimeout = None
    ignore_failures: Annotated[bool, Prop("Keep the release when tests fail.")] = False
    filters: Annotated[tuple[TestFilter, ...], Prop("Tests to run or leave out.")] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Rollback:
    """How to run `helm rollback` when remediating."""

    timeout: ActionTimeout = None
    disable_wait: DisableWait = False
    disable_wait_for_jobs: DisableWaitForJobs = False
    disable_hooks: DisableHooks = False
    recreate: Annotated[bool, Prop("Restart pods of the rolled back resources.")] = False
    force: Annotated[bool, Prop("Replace resources that cannot be patched.")] = False
    cleanup_on_fail: CleanupOnFail = False
    server_side_apply: Annotated[ServerSideApplyMode | None, Prop("Server-side apply: on, off, or as installed.")] = (
        None
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Uninstall:
    """How to run `helm uninstall`."""

    timeout: ActionTimeout = None
    disable_hooks: DisableHooks = False
    keep_history: Annotated[bool, Prop("Keep the release history.")] = False
    disable_wait: DisableWait = False
    deletion_propagation: Annotated[
        Literal["background", "foreground", "orphan"],
        Prop("Cascading deletion policy for the release's resources.", default="background"),
    ] = "background"
