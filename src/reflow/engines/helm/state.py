"""helm-controller's state machine as a pure function: the state of a release, and the next action for it.

The observed release (Helm's storage), the snapshots helm-controller recorded (`status.history`), the
desired chart and values, and the failure counters decide one step at a time; the reconciler runs the
step and asks again until the release is in sync, a remediation ran, or retries are exhausted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from reflow.api.helm import HelmReleaseSpec, ReleaseSnapshot
from reflow.api.helmactions import InstallRemediation, UpgradeRemediation
from reflow.engines.helm.release import PENDING, tests_failed

ROLLBACK_FROM = frozenset({"deployed", "superseded"})
"""Statuses of a previous revision that a rollback can return to."""


class State(StrEnum):
    """Flux's release states."""

    ABSENT = "Absent"
    LOCKED = "Locked"
    UNMANAGED = "Unmanaged"
    OUT_OF_SYNC = "OutOfSync"
    UNTESTED = "Untested"
    FAILED = "Failed"
    IN_SYNC = "InSync"


class Action(StrEnum):
    """What to do next; `STALL` stops until the spec changes, `NONE` means in sync."""

    INSTALL = "install"
    UPGRADE = "upgrade"
    TEST = "test"
    ROLLBACK = "rollback"
    UNINSTALL = "uninstall"
    UNLOCK = "unlock"
    STALL = "stall"
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class Desired:
    """The chart and values the release should have."""

    chart_name: str
    chart_version: str
    config_digest: str
    post_renderers_digest: str | None = None
    """Flux's digest of `spec.postRenderers`; None when there are none."""
    common_metadata_digest: str | None = None
    """Flux's digest of `spec.commonMetadata`; None when it is not set."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """The newest release revision in storage, as a snapshot, and whether its chart has tests."""

    current: ReleaseSnapshot | None
    testable: bool = False
    post_renderers_digest: str | None = None
    """The post-renderers the release was last made with (`status.observedPostRenderersDigest`)."""
    common_metadata_digest: str | None = None
    """The common metadata the release was last made with (`status.observedCommonMetadataDigest`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Counters:
    """Failures since the last new attempt, and the release action last attempted."""

    install_failures: int = 0
    upgrade_failures: int = 0
    last_action: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """The next action, why, and for a rollback the revision to return to."""

    action: Action
    state: State
    reason: str
    rollback_to: int | None = None
    retry: bool = False
    """The action retries a failure (`strategy: RetryOnFailure`): run it after the retry interval."""


def state_of(
    observed: Observed, history: Sequence[ReleaseSnapshot], desired: Desired, spec: HelmReleaseSpec
) -> tuple[State, str]:
    """The release's state and a sentence saying why."""
    current = observed.current
    if current is None or current.status in ("uninstalled", "uninstalling"):
        return State.ABSENT, "no release in storage"
    if current.status in PENDING:
        return State.LOCKED, f"release is in a stale {current.status} state"
    recorded = history[0] if history else None
    if recorded is None or (recorded.name, recorded.namespace, recorded.version) != (
        current.name,
        current.namespace,
        current.version,
    ):
        return State.UNMANAGED, f"release {current.name}.v{current.version} is not in the history of this HelmRelease"
    if recorded.digest != current.digest:
        return State.UNMANAGED, f"release {current.name}.v{current.version} was changed outside this HelmRelease"
    if current.status == "failed":
        return State.FAILED, "release is in a failed state"
    if (current.chart_name, current.chart_version) != (desired.chart_name, desired.chart_version):
        return State.OUT_OF_SYNC, f"chart {current.chart_name}@{current.chart_version} differs from the desired one"
    if current.config_digest != desired.config_digest:
        return State.OUT_OF_SYNC, "values differ from the desired ones"
    if observed.post_renderers_digest != desired.post_renderers_digest:
        return State.OUT_OF_SYNC, "post-renderers differ from the ones the release was made with"
    if observed.common_metadata_digest != desired.common_metadata_digest:
        return State.OUT_OF_SYNC, "common metadata differs from the one the release was made with"
    test = spec.test
    if test is not None and test.enable:
        if observed.testable and not current.test_hooks:
            return State.UNTESTED, "release has not been tested"
        if tests_failed(current) and not _ignores_test_failures(spec, current.action):
            return State.FAILED, "release tests failed"
    return State.IN_SYNC, "release is in sync"


def _ignores_test_failures(spec: HelmReleaseSpec, action: str | None) -> bool:
    test = spec.test
    if test is not None and test.ignore_failures:
        return True
    remediation = (
        (spec.upgrade.remediation if spec.upgrade else None)
        if action == "upgrade"
        else (spec.install.remediation if spec.install else None)
    )
    return bool(remediation and remediation.ignore_test_failures)


def retries(spec: HelmReleaseSpec, action: str) -> int:
    """The configured retries of install or upgrade (0 when unset)."""
    remediation: InstallRemediation | UpgradeRemediation | None
    if action == "upgrade":
        remediation = spec.upgrade.remediation if spec.upgrade else None
    else:
        remediation = spec.install.remediation if spec.install else None
    return remediation.retries if remediation and remediation.retries is not None else 0


def remediate_last_failure(spec: HelmReleaseSpec, action: str) -> bool:
    """Whether the last failure is remediated too: as set, else false for install and `retries > 0` for upgrade."""
    if action == "upgrade":
        remediation = spec.upgrade.remediation if spec.upgrade else None
        if remediation and remediation.remediate_last_failure is not None:
            return remediation.remediate_last_failure
        return retries(spec, "upgrade") > 0
    install = spec.install.remediation if spec.install else None
    return bool(install and install.remediate_last_failure)


def failures(counters: Counters, action: str) -> int:
    return counters.upgrade_failures if action == "upgrade" else counters.install_failures


def exhausted(spec: HelmReleaseSpec, counters: Counters, action: str) -> bool:
    """Whether the action failed more often than its retries allow (negative retries: never)."""
    allowed = retries(spec, action)
    return allowed >= 0 and failures(counters, action) > allowed


def retry_on_failure(spec: HelmReleaseSpec, action: str, default: bool = False) -> bool:
    """Whether the action's strategy is `RetryOnFailure` (retry without remediating); `default` when unset
    (the `DefaultToRetryOnFailure` gate)."""
    settings = spec.upgrade if action == "upgrade" else spec.install
    if settings is None or settings.strategy is None:
        return default
    return settings.strategy.name == "RetryOnFailure"


def stall_message(action: str, count: int) -> str:
    return f"Failed to {action} after {count} attempt(s)"


def next_step(
    observed: Observed,
    history: Sequence[ReleaseSnapshot],
    desired: Desired,
    spec: HelmReleaseSpec,
    counters: Counters,
    *,
    forced: bool = False,
    default_retry: bool = False,
) -> Step:
    """The next action for the release; `forced` (`reconcile.fluxcd.io/forceAt`) installs or upgrades once
    whatever the state and the retries, except that a locked release is unlocked first."""
    state, why = state_of(observed, history, desired, spec)
    if forced and state is not State.LOCKED:
        action = Action.INSTALL if state is State.ABSENT else Action.UPGRADE
        return Step(action=action, state=state, reason=f"{why}; forced by the forceAt annotation")
    match state:
        case State.ABSENT:
            return _unless_exhausted(Action.INSTALL, state, why, spec, counters)
        case State.LOCKED:
            return Step(action=Action.UNLOCK, state=state, reason=why)
        case State.UNMANAGED:
            return Step(action=Action.UPGRADE, state=state, reason=why)
        case State.OUT_OF_SYNC:
            return _unless_exhausted(Action.UPGRADE, state, why, spec, counters)
        case State.UNTESTED:
            return Step(action=Action.TEST, state=state, reason=why)
        case State.FAILED:
            return _remediation(state, why, history, spec, counters, default_retry)
        case State.IN_SYNC:
            return Step(action=Action.NONE, state=state, reason=why)


def _unless_exhausted(action: Action, state: State, why: str, spec: HelmReleaseSpec, counters: Counters) -> Step:
    """Install or upgrade, unless that action already failed more often than its retries allow."""
    if exhausted(spec, counters, action.value):
        return Step(action=Action.STALL, state=state, reason=stall_message(action.value, failures(counters, action)))
    return Step(action=action, state=state, reason=why)


def _remediation(
    state: State,
    why: str,
    history: Sequence[ReleaseSnapshot],
    spec: HelmReleaseSpec,
    counters: Counters,
    default_retry: bool,
) -> Step:
    action = "upgrade" if counters.last_action == "upgrade" else "install"
    count = failures(counters, action)
    if counters.last_action is None or count <= 0:
        # No failure counted since the spec, chart or values changed (or a reset, or a superseded attempt):
        # the conditions of the failure changed, so try the release again rather than remediate it (as Flux).
        return Step(action=Action.UPGRADE, state=state, reason=f"{why}; release conditions changed since the failure")
    if retry_on_failure(spec, action, default_retry):
        if exhausted(spec, counters, action):
            return Step(action=Action.STALL, state=state, reason=stall_message(action, count))
        return Step(action=Action.UPGRADE, state=state, reason=f"{why}; retrying", retry=True)
    if exhausted(spec, counters, action) and not remediate_last_failure(spec, action):
        return Step(action=Action.STALL, state=state, reason=stall_message(action, count))
    if action == "install":
        return Step(action=Action.UNINSTALL, state=state, reason=f"{why}; remediating the failed install")
    remediation = spec.upgrade.remediation if spec.upgrade else None
    if remediation is not None and remediation.strategy == "uninstall":
        return Step(action=Action.UNINSTALL, state=state, reason=f"{why}; remediating the failed upgrade")
    previous = next((snap for snap in history[1:] if snap.status in ROLLBACK_FROM), None)
    if previous is None:
        return Step(action=Action.UPGRADE, state=state, reason=f"{why}; no previous release to roll back to")
    return Step(
        action=Action.ROLLBACK,
        state=state,
        reason=f"{why}; rolling back to v{previous.version}",
        rollback_to=previous.version,
    )
