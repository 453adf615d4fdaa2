"""Flux's health-check reading: Jobs must complete; every other kind is plain kstatus."""

from __future__ import annotations

import pytest
import yaml

from reflow.engines.health import ObjectStatus, Status, compute, health_status


def job(spec: str, status: str, metadata: str = "") -> str:
    return f"{{apiVersion: batch/v1, kind: Job, metadata: {{name: job{metadata}}}, spec: {spec}, status: {status}}}"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            job("{}", "{}"),
            ObjectStatus.in_progress("JobInProgress", "Job in progress"),
            id="upstream-job-without-Complete-condition-is-in-progress",
        ),
        pytest.param(
            job("{}", "{conditions: [{type: Complete, status: 'True'}]}"),
            ObjectStatus.current("Job Completed. succeeded: 0/1"),
            id="upstream-job-with-Complete-True-is-current",
        ),
        pytest.param(
            job("{completions: 2}", "{startTime: '2026-01-01T00:00:00Z', active: 1, succeeded: 1}"),
            ObjectStatus.in_progress("JobInProgress", "Job in progress"),
            id="running-job-is-still-in-progress",
        ),
        pytest.param(
            job(
                "{backoffLimit: 1}",
                "{failed: 2, conditions: [{type: Failed, status: 'True', reason: BackoffLimitExceeded}]}",
            ),
            ObjectStatus.failed("JobFailed", "Job Failed. failed: 2/1"),
            id="failed-job-fails",
        ),
        pytest.param(
            job("{suspend: true}", "{conditions: [{type: Suspended, status: 'True'}]}"),
            ObjectStatus.in_progress("JobInProgress", "Job in progress"),
            id="suspended-job-never-completes",
        ),
        pytest.param(
            job(
                "{}", "{conditions: [{type: Complete, status: 'True'}]}", ", deletionTimestamp: '2026-01-01T00:00:00Z'"
            ),
            ObjectStatus.current("Job Completed. succeeded: 0/1"),
            id="generic-checks-do-not-apply-to-jobs",
        ),
        pytest.param(
            job("{}", "{conditions: [{type: Complete, status: 1}]}"),
            ObjectStatus.unknown("status.conditions[0].status is int, expected a string"),
            id="malformed-job-is-unknown",
        ),
    ],
)
def test_flux_counts_a_job_healthy_only_once_it_completed(manifest: str, expected: ObjectStatus) -> None:
    assert health_status(yaml.safe_load(manifest)) == expected


def test_running_job_is_current_for_plain_kstatus_but_not_for_flux() -> None:
    running = yaml.safe_load(job("{}", "{startTime: '2026-01-01T00:00:00Z', active: 1}"))
    assert compute(running).status is Status.CURRENT
    assert health_status(running).status is Status.IN_PROGRESS


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param("{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}}", id="deployment"),
        pytest.param("{apiVersion: batch/v1, kind: CronJob, metadata: {name: nightly}}", id="cronjob"),
        pytest.param("{apiVersion: example.com/v1, kind: Job, metadata: {name: other}}", id="job-of-another-group"),
    ],
)
def test_other_kinds_get_plain_kstatus(manifest: str) -> None:
    obj = yaml.safe_load(manifest)
    assert health_status(obj) == compute(obj)
