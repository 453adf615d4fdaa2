"""`status.history` bookkeeping with plain data: dedup by digest and status, newest first, five kept."""

from __future__ import annotations

from datetime import UTC, datetime

from reflow.api.kustomize import Snapshot
from reflow.controllers.kustomize.history import HISTORY_LIMIT, manifests_digest, recorded

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
T1 = datetime(2026, 5, 1, 12, 5, 0, tzinfo=UTC)


def run(history: tuple[Snapshot, ...], digest: str, status: str = "ReconciliationSucceeded",
        at: datetime = T0, revision: str = "main@sha1:1") -> tuple[Snapshot, ...]:  # fmt: skip
    return recorded(history, digest=digest, status=status, at=at, took=1.5, metadata={"revision": revision})


def test_a_first_run_makes_one_snapshot() -> None:
    assert run((), "sha256:a") == (
        Snapshot(digest="sha256:a", first_reconciled="2026-05-01T12:00:00Z", last_reconciled="2026-05-01T12:00:00Z",
                 last_reconciled_duration="1.5s", last_reconciled_status="ReconciliationSucceeded",
                 total_reconciliations=1, metadata={"revision": "main@sha1:1"}),
    )  # fmt: skip


def test_the_same_digest_and_status_counts_again_and_keeps_its_first_time() -> None:
    again = run(run((), "sha256:a"), "sha256:a", at=T1, revision="main@sha1:2")
    assert len(again) == 1
    assert again[0].total_reconciliations == 2
    assert (again[0].first_reconciled, again[0].last_reconciled) == ("2026-05-01T12:00:00Z", "2026-05-01T12:05:00Z")
    assert again[0].metadata == {"revision": "main@sha1:2"}


def test_another_status_of_the_same_digest_is_its_own_snapshot() -> None:
    history = run(run((), "sha256:a"), "sha256:a", status="HealthCheckFailed")
    assert [(s.digest, s.last_reconciled_status) for s in history] == [
        ("sha256:a", "HealthCheckFailed"), ("sha256:a", "ReconciliationSucceeded"),
    ]  # fmt: skip


def test_a_repeated_older_snapshot_moves_to_the_front() -> None:
    history = run(run(run((), "sha256:a"), "sha256:b"), "sha256:a")
    assert [(s.digest, s.total_reconciliations) for s in history] == [("sha256:a", 2), ("sha256:b", 1)]


def test_only_the_newest_five_are_kept() -> None:
    history: tuple[Snapshot, ...] = ()
    for index in range(7):
        history = run(history, f"sha256:{index}")
    assert [s.digest for s in history] == [f"sha256:{i}" for i in range(6, 6 - HISTORY_LIMIT, -1)]


def test_the_digest_depends_on_content_not_key_order() -> None:
    one = [{"kind": "ConfigMap", "data": {"a": "1", "b": "2"}}]
    same = [{"data": {"b": "2", "a": "1"}, "kind": "ConfigMap"}]
    other = [{"kind": "ConfigMap", "data": {"a": "1", "b": "3"}}]
    assert manifests_digest(one) == manifests_digest(same)
    assert manifests_digest(one) != manifests_digest(other)
    assert manifests_digest(one).startswith("sha256:")
    assert len(manifests_digest(one)) == len("sha256:") + 64
