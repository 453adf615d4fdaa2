"""One HelmRelease's release loop: ask the state machine for the next action, run it with helm, record it, repeat.

The loop ends when the release is in sync (success), after a remediation (a failure, retried after the
retry interval), or when retries are exhausted (stalled until the spec or values change).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from reflow.api.conditions import (
    DRIFT_CORRECTION_FAILED,
    DRIFT_DETECTED,
    DRIFTED,
    HEALTH_CHECK_CANCELED,
    INSTALL_FAILED,
    INSTALL_SUCCEEDED,
    INVALID_SPEC,
    INVENTORY_BUILD_FAILED,
    PENDING_RELEASE,
    RELEASED,
    REMEDIATED,
    RETRIES_EXCEEDED,
    ROLLBACK_FAILED,
    ROLLBACK_SUCCEEDED,
    STALLED,
    TEST_FAILED,
    TEST_SUCCEEDED,
    TEST_SUCCESS,
    UNINSTALL_FAILED,
    UNINSTALL_SUCCEEDED,
    UPGRADE_FAILED,
    UPGRADE_SUCCEEDED,
)
from reflow.api.duration import format_duration
from reflow.api.helm import HelmRelease, ReleaseSnapshot
from reflow.api.meta import ObjectRef
from reflow.api.wire import render
from reflow.controllers.helm.ledger import Ledger
from reflow.engines.health.aggregate import Verdict
from reflow.engines.health.cel import CELStatusReader
from reflow.engines.helm import actions, drift
from reflow.engines.helm.chart import ChartMetadata
from reflow.engines.helm.postrender import PostRender, kustomizations, origin_labels, strategy
from reflow.engines.helm.release import StoredRelease, has_test_hooks, latest, snapshot, tests_failed
from reflow.engines.helm.run import Helm, HelmFailed, Target
from reflow.engines.helm.state import Action, Desired, Observed, Step, next_step
from reflow.engines.helm.storage import mark_failed, releases
from reflow.engines.ssa.ignore import IgnoreRules
from reflow.engines.ssa.wait import wait_ready
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.events import NORMAL, WARNING
from reflow.runtime.reconciler import Progress
from reflow.runtime.result import ConditionState

MAX_STEPS = 10
"""Actions one reconcile runs at most; the state machine needs four at worst (unlock, upgrade, test, remediate)."""

Emit = Callable[[str, str, str, str], Awaitable[None]]
"""Records an event: (type, reason, message, Flux 2.10 action name)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to release where: the chart package and its metadata, the values and their digest."""

    hr: HelmRelease
    release: str
    target: Target
    chart_path: Path
    chart: ChartMetadata
    values: Mapping[str, Any]
    config_digest: str
    post_renderers_digest: str | None = None
    common_metadata_digest: str | None = None
    health: CELStatusReader = field(default_factory=lambda: CELStatusReader(()))
    """`healthCheckExprs`: judge the custom resources they match once Helm's own wait is done."""
    helm3_defaults: bool = False
    """Helm 3's defaults where the spec is silent (`UseHelm3Defaults`): client-side install, legacy wait, hooks
    left out of post-rendering."""
    default_retry: bool = False
    """Retry failed actions instead of remediating when no strategy is set (`DefaultToRetryOnFailure`)."""
    oci_digest: str | None = None
    """The OCI artifact digest the chart came from (snapshots' `ociDigest`), for OCIRepository charts."""

    @property
    def chart_ref(self) -> str:
        return f"{self.chart.name}@{self.chart.version}"

    def full_name(self, version: int | None) -> str:
        return f"{self.target.namespace}/{self.release}.v{version or 0}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finished:
    """The release is in sync: Ready mirrors the last action's condition (or the recorded one when none ran)."""

    reason: str
    message: str


class ReleaseLoop:
    """Runs the state machine's actions for one plan with one helm and one storage client."""

    def __init__(
        self,
        helm: Helm,
        storage: Kube,
        plan: Plan,
        ledger: Ledger,
        emit: Emit,
        progress: Progress,
        *,
        cancel_when: asyncio.Event | None = None,
    ) -> None:
        self.cancel_when = cancel_when
        """Set when a newer chart artifact appears: a running install or upgrade (and its wait) is given up."""
        self.helm = helm
        self.progress = progress
        self.storage = storage
        self.plan = plan
        self.ledger = ledger
        self.emit = emit
        self.stored: StoredRelease | None = None
        self.revisions: list[StoredRelease] = []
        self.recorded = False
        """The storage was read after the last action ran (`_record`): the next step needs no read of its own."""

    async def observe(self, *, reread: bool = True) -> Observed:
        """The release as stored; read again unless `reread` is off and nothing ran since `_record` read it."""
        if reread or not self.recorded:
            try:
                self.revisions = await releases(self.storage, self.plan.target.storage, self.plan.release)
            except KubeError as error:
                raise ReconcileError(f"unable to read the Helm storage of release {self.plan.target.namespace}/"
                                     f"{self.plan.release} in namespace {self.plan.target.storage}: {error}"
                                     ) from error  # fmt: skip
        self.recorded = False
        self.stored = latest(self.revisions)
        if self.stored is None:
            return Observed(current=None)
        owner, this = self.stored.owner, (self.plan.hr.metadata.namespace or "", self.plan.hr.metadata.name)
        if owner is not None and owner != this:
            raise StalledError(f"Helm release {self.plan.target.namespace}/{self.plan.release} belongs to HelmRelease "
                               f"'{owner[0]}/{owner[1]}'; give this HelmRelease another releaseName",
                               reason=INVALID_SPEC)  # fmt: skip
        action = self.ledger.history[0].action if self.ledger.history else None
        return Observed(current=snapshot(self.stored, action=action), testable=has_test_hooks(self.stored),
                        post_renderers_digest=self.ledger.post_renderers_digest,
                        common_metadata_digest=self.ledger.common_metadata_digest)  # fmt: skip

    async def run(self) -> Finished | None:
        """Act until the release is in sync (returns how) or a step must stop the reconcile (raises)."""
        desired = Desired(
            chart_name=self.plan.chart.name, chart_version=self.plan.chart.version,
            config_digest=self.plan.config_digest, post_renderers_digest=self.plan.post_renderers_digest,
            common_metadata_digest=self.plan.common_metadata_digest,
        )  # fmt: skip
        for _ in range(MAX_STEPS):
            observed = await self.observe(reread=False)
            step = next_step(observed, self.ledger.history, desired, self.plan.hr.spec, self.ledger.counters(),
                             forced=self.ledger.force, default_retry=self.plan.default_retry)  # fmt: skip
            if step.action in (Action.INSTALL, Action.UPGRADE):
                self.ledger.force = False
            match step.action:
                case Action.NONE:
                    test = self.plan.hr.spec.test
                    outcome = self.ledger.outcome or self.ledger.summary(bool(test and test.enable))
                    await self._inventory_and_drift()
                    if outcome is not None and outcome.status != "True":
                        # Remediated back to the desired chart and values: in sync, though the last action failed.
                        return self._in_sync()
                    return Finished(reason=outcome.reason, message=outcome.message) if outcome else None
                case Action.STALL:
                    self._stall(step)
                case Action.INSTALL | Action.UPGRADE:
                    await self._release(step)
                case Action.TEST:
                    await self._test()
                case Action.UNLOCK:
                    await self._unlock()
                case Action.ROLLBACK:
                    await self._rollback(step)
                case Action.UNINSTALL:
                    await self._uninstall_remediation()
        raise ReconcileError(
            f"release {self.plan.target.namespace}/{self.plan.release} did not settle after {MAX_STEPS} actions"
        )

    async def _inventory_and_drift(self) -> None:
        """Record the release's objects (`status.inventory`) and compare them with the cluster (`driftDetection`):
        report drift, and correct it when enabled."""
        if self.stored is None:
            return
        try:
            objects = await drift.release_objects(self.storage, self.stored.manifest, self.plan.release,
                                                  self.plan.target.namespace)  # fmt: skip
        except (KubeError, yaml.YAMLError) as error:
            raise ReconcileError(f"failed to list the objects of the release manifest: {error}",
                                 reason=INVENTORY_BUILD_FAILED) from error  # fmt: skip
        self.ledger.fields["inventory"] = render(drift.inventory(objects))
        settings = self.plan.hr.spec.drift_detection
        mode = settings.mode if settings else None
        if mode not in ("enabled", "warn") or settings is None:
            return
        try:
            ignore = IgnoreRules.compile(settings.ignore)
        except ValueError as error:
            raise StalledError(f"invalid drift detection ignore rule: {error}", reason=INVALID_SPEC) from error
        try:
            drifts = await drift.detect(self.storage, objects, ignore)
        except KubeError as error:
            raise ReconcileError(f"drift detection failed: {error}", reason=DRIFT_DETECTED) from error
        if not drifts:
            self.ledger.conditions[DRIFTED] = None
            return
        full, lines = self.plan.full_name(self.stored.version), "\n".join(str(found) for found in drifts)
        if mode == "warn":
            message = f"Cluster state of release {full} has drifted from the desired state:\n{lines}"
            self.ledger.conditions[DRIFTED] = ConditionState("True", DRIFT_DETECTED, message)
            await self.emit(WARNING, DRIFT_DETECTED, message, "DriftDetection")
            return
        try:
            await drift.correct(self.storage, drifts)
        except KubeError as error:
            message = f"Failed to partially correct cluster state of release {full}:\n{lines}\n{error}"
            self.ledger.conditions[DRIFTED] = ConditionState("True", DRIFT_CORRECTION_FAILED, message)
            await self.emit(WARNING, DRIFT_CORRECTION_FAILED, message, "DriftDetection")
            raise ReconcileError(message, reason=DRIFT_CORRECTION_FAILED) from error
        self.ledger.conditions[DRIFTED] = None
        await self.emit(NORMAL, DRIFT_DETECTED, f"Cluster state of release {full} has been corrected:\n{lines}",
                        "DriftDetection")  # fmt: skip

    def _in_sync(self) -> Finished:
        current = self.ledger.history[0] if self.ledger.history else None
        full = self.plan.full_name(current.version if current else None)
        return Finished(reason=ROLLBACK_SUCCEEDED if current and current.action == "rollback" else UPGRADE_SUCCEEDED,
                        message=f"Helm release {full} with chart {self.plan.chart_ref} is in sync")  # fmt: skip

    async def _running(self, action: str, timeout: float) -> None:
        await self.progress(f"Running '{action}' action with timeout of {format_duration(timeout)}")

    def _last_failure(self) -> ConditionState:
        return self.ledger.last_failure() or ConditionState("False", RETRIES_EXCEEDED, "retries exhausted")

    def _stall(self, step: Step) -> None:
        failure = self._last_failure()
        raise StalledError(failure.message, reason=failure.reason,
                           conditions={STALLED: ConditionState("True", RETRIES_EXCEEDED, step.reason)})  # fmt: skip

    async def _release(self, step: Step) -> None:
        plan, spec = self.plan, self.plan.hr.spec
        upgrade = step.action is Action.UPGRADE
        name = "upgrade" if upgrade else "install"
        owner = (plan.hr.metadata.namespace or "", plan.hr.metadata.name)
        command = (actions.upgrade if upgrade else actions.install)(plan.release, str(plan.chart_path), spec, owner,
                                                                    helm3_defaults=plan.helm3_defaults)  # fmt: skip
        await self._running(name, command.timeout)
        if not step.retry:
            self.ledger.last_action = name
        self.ledger.conditions[TEST_SUCCESS] = None
        try:
            steps = PostRender(kustomizations(spec.post_renderers), origin_labels(*owner), spec.common_metadata,
                               strategy(spec, plan.helm3_defaults))  # fmt: skip
            await self._unless_superseded(self._helm_then_health(command, steps, name), name)
        except HelmFailed as error:
            self.ledger.failed(name)
            await self._record(name, fresh=False)
            reason = UPGRADE_FAILED if upgrade else INSTALL_FAILED
            message = (f"Helm {name} failed for release {plan.target.namespace}/{plan.release} with chart "
                       f"{plan.chart_ref}: {error.message}")  # fmt: skip
            self.ledger.set(RELEASED, ConditionState("False", reason, message))
            await self.emit(WARNING, reason, message, "HelmUpgrade" if upgrade else "HelmInstall")
            return
        current = await self._record(name, fresh=not upgrade or step.state.value == "Unmanaged")
        self.ledger.post_renderers_digest = plan.post_renderers_digest
        self.ledger.common_metadata_digest = plan.common_metadata_digest
        reason = UPGRADE_SUCCEEDED if upgrade else INSTALL_SUCCEEDED
        message = f"Helm {name} succeeded for release {plan.full_name(current)} with chart {plan.chart_ref}"
        self.ledger.set(RELEASED, ConditionState("True", reason, message))
        self.ledger.conditions[TEST_SUCCESS] = None
        self.ledger.conditions[REMEDIATED] = None
        await self.emit(NORMAL, reason, message, "HelmUpgrade" if upgrade else "HelmInstall")

    async def _helm_then_health(self, command: actions.Command, steps: PostRender, name: str) -> None:
        """Run the install or upgrade; then, when Helm waited with kstatus, hold the custom resources that
        `healthCheckExprs` match to those expressions for the rest of the timeout, as Flux's poller does.

        Helm cannot be given the expressions, so the wait on them follows Helm's: a resource that fails them
        or is still in progress at the deadline fails the release (recorded failed in Helm's storage)."""
        plan = self.plan
        started = time.monotonic()
        await self.helm.run(command.args, plan.target, values=plan.values, post_render=steps,
                            timeout=command.timeout + 30)  # fmt: skip
        if not (command.kstatus_wait and plan.health.rules):
            return
        await self.observe()
        assert self.stored is not None
        objects = await drift.release_objects(self.storage, self.stored.manifest, plan.release, plan.target.namespace)
        refs = [ObjectRef.of(obj) for obj in objects if plan.health.rule_for(obj) is not None]
        if not refs:
            return
        remaining = max(1.0, command.timeout - (time.monotonic() - started))
        result = await wait_ready(self.storage, refs, timeout=remaining, status_override=plan.health)
        if result.ready:
            return
        description = f"{name} of release {plan.release} failed its health check expressions: {result.health.message}"
        await mark_failed(self.storage, self.plan.target.storage, self.stored, description)
        raise HelmFailed(description, timed_out=result.health.verdict is not Verdict.FAILED)

    async def _unless_superseded(self, action: Coroutine[Any, Any, object], name: str) -> None:
        """Run a helm install or upgrade; give it up (helm gets SIGTERM and records the release failed) when a
        newer chart artifact appears meanwhile, as Flux's `CancelHealthCheckOnNewRevision` does for the wait.
        The attempt counts as no failure: the newer chart is released by the next reconcile."""
        if self.cancel_when is None:
            await action
            return
        running = asyncio.ensure_future(action)
        superseded = asyncio.ensure_future(self.cancel_when.wait())
        try:
            await asyncio.wait((running, superseded), return_when=asyncio.FIRST_COMPLETED)
        finally:
            superseded.cancel()
            running.cancel()
            await asyncio.wait((running,))  # helm stops (and records the release) before anything goes on
        if not running.cancelled():
            running.result()  # HelmFailed goes to the caller
            return
        plan = self.plan
        await self._record(name, fresh=False)
        raise ReconcileError(f"Helm {name} of release {plan.target.namespace}/{plan.release} with chart "
                             f"{plan.chart_ref} canceled: a new revision of the chart appeared",
                             reason=HEALTH_CHECK_CANCELED)  # fmt: skip

    async def _record(self, action: str | None, *, fresh: bool = False) -> int | None:
        """Snapshot the newest stored revision into the history; its version."""
        await self.observe()
        self.recorded = True
        if self.stored is None:
            return None
        made = snapshot(self.stored, action=action)
        if self.plan.oci_digest and made.chart_version == self.plan.chart.version:
            made = replace(made, oci_digest=self.plan.oci_digest)
        self.ledger.record(made, fresh=fresh)
        self.ledger.refresh(self.revisions)
        return self.stored.version

    async def _test(self) -> None:
        plan = self.plan
        command = actions.test(plan.release, plan.hr.spec)
        action = self.ledger.history[0].action if self.ledger.history else None
        await self._running("test", command.timeout)
        error: HelmFailed | None = None
        try:
            await self.helm.run(command.args, plan.target, timeout=command.timeout + 30)
        except HelmFailed as failed:
            error = failed
        version = await self._record(action)
        current: ReleaseSnapshot | None = self.ledger.history[0] if self.ledger.history else None
        full = plan.full_name(version)
        if error is None and current is not None and not tests_failed(current):
            count = len(current.test_hooks)
            message = (f"Helm test succeeded for release {full} with chart {plan.chart_ref}: "
                       f"{count} test hook(s) completed successfully")  # fmt: skip
            self.ledger.set(TEST_SUCCESS, ConditionState("True", TEST_SUCCEEDED, message))
            await self.emit(NORMAL, TEST_SUCCEEDED, message, "HelmTest")
            return
        reason = error.message if error else "a test hook failed"
        message = f"Helm test failed for release {full} with chart {plan.chart_ref}: {reason}"
        test = plan.hr.spec.test
        if not (test and test.ignore_failures):
            self.ledger.failed(self.ledger.last_action or "install")
        self.ledger.set(TEST_SUCCESS, ConditionState("False", TEST_FAILED, message))
        await self.emit(WARNING, TEST_FAILED, message, "HelmTest")

    async def _unlock(self) -> None:
        assert self.stored is not None
        status = self.stored.status
        full = self.plan.full_name(self.stored.version)
        chart = self.plan.chart_ref
        description = f"Release unlocked from stale '{status}' state"
        try:
            unlocked = await mark_failed(self.storage, self.plan.target.storage, self.stored, description)
        except KubeError as error:
            message = (
                f"Unlock of Helm release {full} with chart {self.plan.chart_ref} in {status} state failed: {error}"
            )
            self.ledger.failures += 1
            self.ledger.set(RELEASED, ConditionState("False", PENDING_RELEASE, message))
            await self.emit(WARNING, PENDING_RELEASE, message, "Unlock")
            raise
        # The action the killed helm ran: a first revision was an install, any later one an upgrade or rollback.
        action = "install" if unlocked.version == 1 else "upgrade"
        self.ledger.last_action = action
        self.ledger.record(snapshot(unlocked, action=action))
        message = f"Unlocked Helm release {full} with chart {chart} in {status} state"
        self.ledger.set(RELEASED, ConditionState("False", PENDING_RELEASE, message))
        await self.emit(NORMAL, PENDING_RELEASE, message, "Unlock")

    async def _rollback(self, step: Step) -> None:
        plan = self.plan
        assert step.rollback_to is not None
        command = actions.rollback(plan.release, step.rollback_to, plan.hr.spec, helm3_defaults=plan.helm3_defaults)
        done = f"Helm rollback to previous release {plan.full_name(step.rollback_to)} with chart {plan.chart_ref}"
        await self._remediate("rollback", command, f"{done} failed", f"{done} succeeded",
                              (ROLLBACK_SUCCEEDED, ROLLBACK_FAILED))  # fmt: skip

    async def _uninstall_remediation(self) -> None:
        plan = self.plan
        full = plan.full_name(self.stored.version if self.stored else None)
        command = actions.uninstall(plan.release, plan.hr.spec)
        await self._remediate("uninstall", command,
                              f"Helm uninstall failed for release {full} with chart {plan.chart_ref}",
                              f"Helm uninstall remediation for release {full} with chart {plan.chart_ref} succeeded",
                              (UNINSTALL_SUCCEEDED, UNINSTALL_FAILED))  # fmt: skip

    async def _remediate(
        self, kind: str, command: actions.Command, failed: str, succeeded: str, reasons: tuple[str, str]
    ) -> None:
        """Run a remediation; either way the reconcile ends with an error, retried after the retry interval."""
        failure = self._last_failure()
        event_action = "HelmRollback" if kind == "rollback" else "HelmUninstall"
        await self._running(kind, command.timeout)
        try:
            await self.helm.run(command.args, self.plan.target, timeout=command.timeout + 30)
        except HelmFailed as error:
            message = f"{failed}: {error.message}"
            self.ledger.set(REMEDIATED, ConditionState("False", reasons[1], message))
            await self.emit(WARNING, reasons[1], message, event_action)
            raise ReconcileError(message, reason=reasons[1]) from error
        finally:
            if kind == "rollback":
                await self._record("rollback")
        self.ledger.conditions[REMEDIATED] = ConditionState("True", reasons[0], succeeded)
        await self.emit(NORMAL, reasons[0], succeeded, event_action)
        raise ReconcileError(failure.message, reason=failure.reason)
