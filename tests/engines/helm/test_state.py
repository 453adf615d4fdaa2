"""helm-controller's state machine: the next action for a release, with plain data."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from typing import Any

import pytest

from reflow.api.helm import HelmReleaseSpec, ReleaseSnapshot
from reflow.api.helm import TestHookStatus as HookStatus
from reflow.api.wire import parse
from reflow.engines.helm.release import decode_release, encode_release, rfc3339, snapshot
from reflow.engines.helm.state import Action, Counters, Desired, Observed, State, next_step

DESIRED = Desired(chart_name="app", chart_version="1.0.0", config_digest="sha256:new")


def spec(**fields: Any) -> HelmReleaseSpec:
    return parse(HelmReleaseSpec, {"interval": "1m", "chartRef": {"kind": "HelmChart", "name": "c"}, **fields})


def snap(version: int, status: str = "deployed", **fields: Any) -> ReleaseSnapshot:
    base = ReleaseSnapshot(digest=f"sha256:{version}", name="web", namespace="ns", version=version, status=status,
                           chart_name="app", chart_version="1.0.0", config_digest="sha256:new",
                           first_deployed="t", last_deployed="t")  # fmt: skip
    return replace(base, **fields)


def step(current: ReleaseSnapshot | None, history: list[ReleaseSnapshot], hr: HelmReleaseSpec | None = None,
         counters: Counters | None = None, testable: bool = False) -> tuple[Action, State, int | None]:  # fmt: skip
    found = next_step(Observed(current=current, testable=testable), history, DESIRED, hr or spec(),
                      counters or Counters())  # fmt: skip
    return found.action, found.state, found.rollback_to


UPGRADE_RETRIES = spec(upgrade={"remediation": {"retries": 2}})


@pytest.mark.parametrize(
    ("current", "history", "hr", "counters", "expected"),
    [
        pytest.param(None, [], None, None, (Action.INSTALL, State.ABSENT, None), id="absent-installs"),
        pytest.param(
            snap(1, "uninstalled"),
            [snap(1)],
            None,
            None,
            (Action.INSTALL, State.ABSENT, None),
            id="uninstalled-installs",
        ),
        pytest.param(
            None,
            [],
            None,
            Counters(install_failures=1, last_action="install"),
            (Action.STALL, State.ABSENT, None),
            id="install-retries-exhausted-stalls",
        ),
        pytest.param(
            snap(2, "pending-upgrade"),
            [snap(1)],
            None,
            None,
            (Action.UNLOCK, State.LOCKED, None),
            id="pending-release-is-unlocked",
        ),
        pytest.param(snap(1), [], None, None, (Action.UPGRADE, State.UNMANAGED, None), id="adopts-foreign-release"),
        pytest.param(
            snap(1),
            [snap(1, digest="sha256:other")],
            None,
            None,
            (Action.UPGRADE, State.UNMANAGED, None),
            id="changed-outside-upgrades",
        ),
        pytest.param(snap(1), [snap(1)], None, None, (Action.NONE, State.IN_SYNC, None), id="in-sync"),
        pytest.param(
            snap(1, config_digest="sha256:old"),
            [snap(1, config_digest="sha256:old")],
            None,
            None,
            (Action.UPGRADE, State.OUT_OF_SYNC, None),
            id="values-changed-upgrades",
        ),
        pytest.param(
            snap(1, chart_version="0.9.0"),
            [snap(1, chart_version="0.9.0")],
            None,
            Counters(upgrade_failures=1, last_action="upgrade"),
            (Action.STALL, State.OUT_OF_SYNC, None),
            id="upgrade-retries-exhausted-stalls",
        ),
        pytest.param(
            snap(2, "failed"),
            [snap(2, "failed"), snap(1)],
            UPGRADE_RETRIES,
            Counters(upgrade_failures=1, last_action="upgrade"),
            (Action.ROLLBACK, State.FAILED, 1),
            id="failed-upgrade-rolls-back",
        ),
        pytest.param(
            snap(2, "failed"),
            [snap(2, "failed"), snap(1)],
            UPGRADE_RETRIES,
            Counters(upgrade_failures=3, last_action="upgrade"),
            (Action.ROLLBACK, State.FAILED, 1),
            id="last-failure-remediated-when-retries-set",
        ),
        pytest.param(
            snap(2, "failed"),
            [snap(2, "failed"), snap(1)],
            None,
            Counters(upgrade_failures=1, last_action="upgrade"),
            (Action.STALL, State.FAILED, None),
            id="no-retries-no-remediation",
        ),
        pytest.param(
            snap(2, "failed"),
            [snap(2, "failed"), snap(1)],
            spec(upgrade={"remediation": {"retries": 1, "strategy": "uninstall"}}),
            Counters(upgrade_failures=1, last_action="upgrade"),
            (Action.UNINSTALL, State.FAILED, None),
            id="uninstall-strategy",
        ),
        pytest.param(
            snap(1, "failed"),
            [snap(1, "failed")],
            spec(install={"remediation": {"retries": 1}}),
            Counters(install_failures=1, last_action="install"),
            (Action.UNINSTALL, State.FAILED, None),
            id="failed-install-uninstalls",
        ),
        pytest.param(
            snap(2, "failed"),
            [snap(2, "failed"), snap(1)],
            spec(upgrade={"strategy": {"name": "RetryOnFailure"}, "remediation": {"retries": 3}}),
            Counters(upgrade_failures=1, last_action="upgrade"),
            (Action.UPGRADE, State.FAILED, None),
            id="retry-on-failure-upgrades-again",
        ),
        pytest.param(
            snap(2, "failed"),
            [snap(2, "failed"), snap(1)],
            UPGRADE_RETRIES,
            Counters(upgrade_failures=0, last_action="upgrade"),
            (Action.UPGRADE, State.FAILED, None),
            id="failed-release-without-counted-failure-upgrades-again",
        ),
        pytest.param(
            snap(1, "failed"),
            [snap(1, "failed")],
            None,
            Counters(),
            (Action.UPGRADE, State.FAILED, None),
            id="no-action-attempted-upgrades",
        ),
    ],
)
def test_next_action(
    current: ReleaseSnapshot | None,
    history: list[ReleaseSnapshot],
    hr: HelmReleaseSpec | None,
    counters: Counters | None,
    expected: tuple[Action, State, int | None],
) -> None:
    assert step(current, history, hr, counters) == expected


def test_tests_run_once_and_a_failure_remediates() -> None:
    tested = spec(test={"enable": True}, upgrade={"remediation": {"retries": 1}})
    counters = Counters(upgrade_failures=0, last_action="upgrade")
    assert step(snap(2), [snap(2), snap(1)], tested, counters, testable=True)[:2] == (Action.TEST, State.UNTESTED)
    assert step(snap(2), [snap(2), snap(1)], tested, counters, testable=False)[:2] == (Action.NONE, State.IN_SYNC)
    failed = snap(2, test_hooks={"check": HookStatus(phase="Failed")}, action="upgrade")
    after = Counters(upgrade_failures=1, last_action="upgrade")
    assert step(failed, [failed, snap(1)], tested, after, testable=True) == (Action.ROLLBACK, State.FAILED, 1)
    ignoring = spec(test={"enable": True, "ignoreFailures": True})
    assert step(failed, [failed, snap(1)], ignoring, after, testable=True)[0] is Action.NONE


def test_storage_release_round_trip_and_snapshot() -> None:
    release = {
        "name": "web", "namespace": "ns", "version": 3,
        "info": {"status": "deployed", "first_deployed": "2026-01-02T03:04:05.123456789+01:00",
                 "last_deployed": "2026-01-02T03:04:06Z"},
        "chart": {"metadata": {"name": "app", "version": "1.2.3", "appVersion": "9"}},
        "config": {"a": 1},
        "hooks": [{"name": "check", "events": ["test"],
                   "last_run": {"started_at": "2026-01-02T03:04:07Z", "phase": "Succeeded"}}],
    }  # fmt: skip
    data, raw = encode_release(release)
    stored = decode_release(data)
    assert stored.release == release
    assert stored.raw == raw
    made = snapshot(stored, action="install")
    assert made.first_deployed == "2026-01-02T02:04:05Z"
    assert (made.chart_name, made.chart_version, made.app_version, made.version) == ("app", "1.2.3", "9", 3)
    assert made.test_hooks == {"check": HookStatus(last_started="2026-01-02T03:04:07Z", phase="Succeeded")}
    # The digest is over Helm's JSON bytes plus the newline Go's encoder writes.
    plain = base64.b64encode(base64.b64encode(gzip.compress(json.dumps(release).encode()))).decode()
    assert decode_release(plain).digest != made.digest
    assert rfc3339("0001-01-01T00:00:00Z") is None


def test_force_installs_or_upgrades_once_whatever_the_state() -> None:
    exhausted = Counters(install_failures=5, upgrade_failures=5, last_action="upgrade")
    forced = next_step(Observed(current=None), [], DESIRED, spec(), exhausted, forced=True)
    assert forced.action is Action.INSTALL
    in_sync = next_step(Observed(current=snap(1)), [snap(1)], DESIRED, spec(), Counters(), forced=True)
    assert in_sync.action is Action.UPGRADE
    locked = next_step(
        Observed(current=snap(2, "pending-install")), [snap(1)], DESIRED, spec(), Counters(), forced=True
    )
    assert locked.action is Action.UNLOCK


def test_default_to_retry_on_failure_retries_instead_of_remediating() -> None:
    failed, counters = snap(2, "failed"), Counters(upgrade_failures=1, last_action="upgrade")
    hr = spec(upgrade={"remediation": {"retries": 3}})
    remediating = next_step(Observed(current=failed), [failed, snap(1)], DESIRED, hr, counters)
    retrying = next_step(Observed(current=failed), [failed, snap(1)], DESIRED, hr, counters, default_retry=True)
    assert (remediating.action, retrying.action, retrying.retry) == (Action.ROLLBACK, Action.UPGRADE, True)
    explicit = spec(upgrade={"remediation": {"retries": 3}, "strategy": {"name": "RemediateOnFailure"}})
    kept = next_step(Observed(current=failed), [failed, snap(1)], DESIRED, explicit, counters, default_retry=True)
    assert kept.action is Action.ROLLBACK
