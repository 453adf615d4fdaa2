"""What a HelmRelease reconcile records as it goes: history snapshots, failure counters, conditions, messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reflow.api.conditions import RELEASED, REMEDIATED, TEST_SUCCESS
from reflow.api.helm import HelmRelease, ReleaseSnapshot
from reflow.api.wire import render
from reflow.engines.helm.release import StoredRelease, snapshot
from reflow.engines.helm.state import Counters
from reflow.runtime.result import ConditionState


@dataclass(slots=True, kw_only=True)
class Ledger:
    """The release's status as the reconcile changes it; `status()` is the patch for the runtime to write."""

    history: list[ReleaseSnapshot]
    failures: int
    install_failures: int
    upgrade_failures: int
    last_action: str | None
    conditions: dict[str, ConditionState | None] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    force: bool = False
    """Install or upgrade once whatever the state (`reconcile.fluxcd.io/forceAt`); cleared when it ran."""
    post_renderers_digest: str | None = None
    """`observedPostRenderersDigest`: the post-renderers of the last successful install or upgrade."""
    common_metadata_digest: str | None = None
    """`observedCommonMetadataDigest`: the common metadata of the release made last."""
    recorded: dict[str, ConditionState] = field(default_factory=dict)
    """Released, TestSuccess and Remediated as the status held them before this reconcile."""
    outcome: ConditionState | None = None
    """The latest action's result: Ready mirrors it when the release ends up in sync."""

    @classmethod
    def of(cls, hr: HelmRelease, *, reset: bool) -> Ledger:
        """The ledger the status holds, with the failure counters cleared for a new attempt (`reset`)."""
        status = hr.status
        return cls(
            history=list(status.history),
            failures=0 if reset else status.failures,
            install_failures=0 if reset else status.install_failures,
            upgrade_failures=0 if reset else status.upgrade_failures,
            last_action=status.last_attempted_release_action,
            post_renderers_digest=status.observed_post_renderers_digest,
            common_metadata_digest=status.observed_common_metadata_digest,
            recorded={
                c.type: ConditionState(c.status, c.reason, c.message)
                for c in status.conditions
                if c.type in (RELEASED, TEST_SUCCESS, REMEDIATED)
            },
        )

    def forget_release(self) -> None:
        """The release was uninstalled from the place it moved away from: no history, no failures, no digests."""
        self.history.clear()
        self.failures = self.install_failures = self.upgrade_failures = 0
        self.last_action = None
        self.post_renderers_digest = self.common_metadata_digest = None

    def current(self, kind: str) -> ConditionState | None:
        """The condition as this reconcile left it so far, else as the status held it."""
        return self.conditions[kind] if kind in self.conditions else self.recorded.get(kind)

    def last_failure(self) -> ConditionState | None:
        """The failed test or release that the status shows now, if any."""
        for kind in (TEST_SUCCESS, RELEASED):
            state = self.current(kind)
            if state is not None and state.status == "False":
                return state
        return None

    def summary(self, tested: bool) -> ConditionState | None:
        """What Ready says when nothing had to be done: the test result when tests run, else the release's."""
        test = self.current(TEST_SUCCESS)
        if tested and test is not None:
            return test
        return self.current(RELEASED)

    def counters(self) -> Counters:
        return Counters(
            install_failures=self.install_failures,
            upgrade_failures=self.upgrade_failures,
            last_action=self.last_action,
        )

    def failed(self, action: str) -> None:
        """Count a failure of install or upgrade (a failed test counts against the action tested)."""
        self.failures += 1
        if action == "upgrade":
            self.upgrade_failures += 1
        else:
            self.install_failures += 1

    def record(self, snapshot: ReleaseSnapshot, *, fresh: bool = False) -> None:
        """Put the snapshot first in the history (replacing the same revision); `fresh` starts a new history."""
        if fresh:
            self.history = []
        self.history = [snapshot, *(s for s in self.history if (s.name, s.namespace, s.version) != (
            snapshot.name, snapshot.namespace, snapshot.version))]  # fmt: skip

    def refresh(self, revisions: Sequence[StoredRelease]) -> None:
        """Re-snapshot the older history entries Helm rewrote (a deployed revision becomes superseded)."""
        stored = {(r.name, r.namespace, r.version): r for r in revisions}
        refreshed = []
        for old in self.history:
            found = stored.get((old.name, old.namespace, old.version))
            if found is None or found.digest == old.digest:
                refreshed.append(old)
            else:
                refreshed.append(replace(snapshot(found, action=old.action), oci_digest=old.oci_digest))
        self.history = refreshed

    def set(self, kind: str, state: ConditionState) -> None:
        self.conditions[kind] = state
        if kind in (RELEASED, TEST_SUCCESS, REMEDIATED):
            self.outcome = state

    def status(self, max_history: int) -> dict[str, Any]:
        """The status fields to write (camelCase), history cut to `max_history` (0: all)."""
        history = self.history[:max_history] if max_history > 0 else self.history
        return {
            **self.fields,
            "history": [render(snapshot) for snapshot in history] or None,
            "failures": self.failures or None,
            "installFailures": self.install_failures or None,
            "upgradeFailures": self.upgrade_failures or None,
            "lastAttemptedReleaseAction": self.last_action,
            "observedPostRenderersDigest": self.post_renderers_digest,
            "observedCommonMetadataDigest": self.common_metadata_digest,
        }
