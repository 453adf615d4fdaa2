"""The roll-up of many statuses and the health check's verdict with Flux's failure messages."""

from __future__ import annotations

import pytest

from reflow.api.meta import ObjectRef
from reflow.engines.health import Health, ObjectStatus, Status, Verdict, aggregate, aggregate_status

S = Status


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([], S.CURRENT, id="upstream-no-identifiers"),
        pytest.param([S.CURRENT], S.CURRENT, id="upstream-single-resource"),
        pytest.param([S.UNKNOWN, S.IN_PROGRESS], S.UNKNOWN, id="upstream-multiple-resources-with-one-unknown-status"),
        pytest.param([S.NOT_FOUND, S.CURRENT, S.FAILED], S.FAILED, id="upstream-multiple-resources-with-one-failed"),
        pytest.param([S.CURRENT, S.IN_PROGRESS], S.IN_PROGRESS, id="one-in-progress"),
        pytest.param([S.UNKNOWN, S.FAILED], S.FAILED, id="failed-wins-over-unknown"),
        pytest.param([S.TERMINATING, S.CURRENT], S.IN_PROGRESS, id="terminating-is-not-current"),
    ],
)
def test_aggregate_status_rolls_up_failed_then_unknown_then_desired(statuses: list[Status], expected: Status) -> None:
    assert aggregate_status(statuses) is expected


def test_aggregate_status_can_wait_for_deletion() -> None:
    assert aggregate_status([S.NOT_FOUND, S.NOT_FOUND], desired=S.NOT_FOUND) is S.NOT_FOUND
    assert aggregate_status([S.NOT_FOUND, S.TERMINATING], desired=S.NOT_FOUND) is S.IN_PROGRESS


WEB = ObjectRef("apps/v1", "Deployment", "web", "apps")
DB = ObjectRef("apps/v1", "StatefulSet", "db", "apps")
NS = ObjectRef("v1", "Namespace", "apps")

READY = ObjectStatus.current("Deployment is available. Replicas: 2")
ROLLING = ObjectStatus.in_progress("LessUpdated", "Updated: 1/2")
STUCK = ObjectStatus.failed("ProgressDeadlineExceeded", "Progress deadline exceeded")
BROKEN = ObjectStatus.unknown("unknown phase Weird")


@pytest.mark.parametrize(
    ("observed", "timed_out", "expected"),
    [
        pytest.param({}, False, Health(Verdict.HEALTHY, ""), id="nothing-to-check-is-healthy"),
        pytest.param({WEB: READY, NS: ObjectStatus.current("Resource is current")}, False,
                     Health(Verdict.HEALTHY, ""), id="all-current-is-healthy"),
        pytest.param({WEB: READY, NS: ObjectStatus.current("Resource is current")}, True,
                     Health(Verdict.HEALTHY, ""), id="all-current-at-the-deadline-is-healthy"),
        pytest.param({WEB: ROLLING, DB: READY}, False,
                     Health(Verdict.IN_PROGRESS, "waiting for: [Deployment/apps/web status: 'InProgress']"),
                     id="in-progress-keeps-waiting"),
        pytest.param({WEB: None, DB: READY}, False,
                     Health(Verdict.IN_PROGRESS, "waiting for: [can't determine status for Deployment/apps/web]"),
                     id="unobserved-keeps-waiting"),
        pytest.param({WEB: STUCK, DB: ROLLING, NS: None}, False,
                     Health(Verdict.FAILED, "failed early due to stalled resources: [Deployment/apps/web status: "
                                            "'Failed', can't determine status for Namespace/apps]"),
                     id="any-failed-fails-early"),
        pytest.param({WEB: ROLLING, DB: READY, NS: None}, True,
                     Health(Verdict.FAILED, "timeout waiting for: [Deployment/apps/web status: 'InProgress', "
                                            "can't determine status for Namespace/apps]"),
                     id="deadline-fails-whatever-is-not-current"),
        pytest.param({WEB: STUCK, DB: ROLLING}, True,
                     Health(Verdict.FAILED, "timeout waiting for: [Deployment/apps/web status: 'Failed', "
                                            "StatefulSet/apps/db status: 'InProgress']"),
                     id="deadline-lists-failed-and-in-progress"),
        pytest.param({WEB: BROKEN}, True,
                     Health(Verdict.FAILED, "timeout waiting for: [Deployment/apps/web status: 'Unknown': "
                                            "unknown phase Weird]"),
                     id="unknown-carries-its-reason"),
    ],
)  # fmt: skip
def test_health_check_verdict_matches_flux_wait(
    observed: dict[ObjectRef, ObjectStatus | None], timed_out: bool, expected: Health
) -> None:
    assert aggregate(observed, timed_out=timed_out) == expected


def test_without_fail_fast_a_failed_object_is_waited_on_until_the_deadline() -> None:
    observed: dict[ObjectRef, ObjectStatus | None] = {WEB: STUCK, DB: READY}
    assert aggregate(observed, fail_fast=False).verdict is Verdict.IN_PROGRESS
    assert aggregate(observed, fail_fast=False, timed_out=True) == Health(
        Verdict.FAILED, "timeout waiting for: [Deployment/apps/web status: 'Failed']"
    )
