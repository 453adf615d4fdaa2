"""Status is computed as Flux writes it: Ready first and always, Reconciling and Stalled only while True."""

from __future__ import annotations

from reflow.runtime import conditions
from reflow.runtime.controller import jittered, wants_reconcile
from reflow.runtime.informer import Change

T0, T1 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"


def types(status: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(c["type"], c["status"]) for c in status["conditions"]]


def test_progress_marks_reconciling_and_ready_unknown_with_the_stage() -> None:
    status = conditions.progressing({}, "building", generation=3, retrying=False, now=T0)
    assert types(status) == [("Ready", "Unknown"), ("Reconciling", "True")]
    assert {c["reason"] for c in status["conditions"]} == {"Progressing"}
    assert {c["message"] for c in status["conditions"]} == {"building"}
    assert {c["observedGeneration"] for c in status["conditions"]} == {3}


def test_progress_after_a_failure_says_progressing_with_retry() -> None:
    status = conditions.progressing({}, "building", generation=1, retrying=True, now=T0)
    assert {c["reason"] for c in status["conditions"]} == {"ProgressingWithRetry"}


def test_success_removes_reconciling_and_stalled_and_records_the_generation() -> None:
    working = conditions.progressing({}, "x", generation=2, retrying=False, now=T0)
    working["conditions"].append({"type": "Stalled", "status": "True", "reason": "Old", "message": "old"})
    done = conditions.finished(working, ready=True, reason="Succeeded", message="ok", generation=2, now=T1)
    assert types(done) == [("Ready", "True")]
    assert done["observedGeneration"] == 2


def test_a_stalled_failure_sets_stalled_true_beside_ready_false() -> None:
    done = conditions.finished({}, ready=False, reason="InvalidSpec", message="bad", stalled=True, generation=1, now=T0)
    assert types(done) == [("Ready", "False"), ("Stalled", "True")]


def test_transition_time_moves_only_when_the_condition_status_changes() -> None:
    first = conditions.finished({}, ready=False, reason="A", message="a", generation=1, now=T0)
    same = conditions.finished(first, ready=False, reason="B", message="b", generation=1, now=T1)
    flipped = conditions.finished(same, ready=True, reason="C", message="c", generation=1, now=T1)
    assert same["conditions"][0]["lastTransitionTime"] == T0
    assert flipped["conditions"][0]["lastTransitionTime"] == T1


def test_kind_fields_merge_and_none_removes_a_field() -> None:
    done = conditions.finished(
        {"artifact": {"revision": "a"}, "old": 1},
        ready=True,
        reason="Succeeded",
        message="ok",
        generation=1,
        fields={"old": None, "inventory": {"entries": []}},
        now=T0,
    )
    assert "old" not in done
    assert done["artifact"] == {"revision": "a"}
    assert done["inventory"] == {"entries": []}


def test_status_patch_is_none_when_nothing_changed() -> None:
    status = conditions.finished({}, ready=True, reason="Succeeded", message="ok", generation=1, now=T0)
    again = conditions.finished(status, ready=True, reason="Succeeded", message="ok", generation=1, now=T1)
    assert conditions.status_patch(status, again) is None


def test_status_patch_sends_changed_fields_and_nulls_removed_ones() -> None:
    assert conditions.status_patch({"a": 1, "b": 2}, {"a": 1, "c": 3}) == {"c": 3, "b": None}


def obj(generation: int, token: str | None = None, deleting: bool = False) -> dict:  # type: ignore[type-arg]
    metadata = {"name": "x", "generation": generation, "annotations": {}}
    if token:
        metadata["annotations"] = {"reconcile.fluxcd.io/requestedAt": token}
    if deleting:
        metadata["deletionTimestamp"] = T0
    return {"metadata": metadata}


def test_only_spec_changes_requests_and_deletion_call_for_a_reconcile() -> None:
    assert wants_reconcile(Change.ADDED, None, obj(1))
    assert wants_reconcile(Change.UPDATED, obj(1), obj(2))
    assert wants_reconcile(Change.UPDATED, obj(1), obj(1, token="now"))
    assert wants_reconcile(Change.UPDATED, obj(1), obj(1, deleting=True))
    assert not wants_reconcile(Change.UPDATED, obj(1), obj(1))
    assert not wants_reconcile(Change.UPDATED, obj(1, token="a"), obj(1, token="a"))
    assert not wants_reconcile(Change.DELETED, obj(1), obj(1))


def test_jitter_stays_within_the_percentage() -> None:
    samples = [jittered(100, 10) for _ in range(200)]
    assert all(90 <= s <= 110 for s in samples)
    assert jittered(100, 0) == 100
