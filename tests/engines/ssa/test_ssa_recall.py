"""The no-op proof from what our own apply returned: same resourceVersion and same compared fields, or nothing."""

from __future__ import annotations

from reflow.api.meta import Manifest
from reflow.engines.ssa import Recall


def config_map(version: str, data: dict[str, str], *, uid: str = "u-1", **metadata: object) -> Manifest:
    meta = {"name": "settings", "namespace": "apps", "uid": uid, "resourceVersion": version, **metadata}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def test_a_dry_run_equal_to_what_the_apply_returned_at_the_same_version_proves_a_no_op() -> None:
    recall = Recall()
    recall.remember(config_map("7", {"a": "1"}, generation=1, managedFields=[{"time": "2026-12-05T12:00:00Z"}]))
    # The server-owned metadata (managedFields stamps, generation) and the status are not compared.
    answer = config_map("7", {"a": "1"}, generation=2, managedFields=[{"time": "2026-12-05T12:00:01Z"}])
    assert recall.unchanged({**answer, "status": {"seen": True}})


def test_another_version_a_changed_field_or_an_unknown_object_proves_nothing() -> None:
    recall = Recall()
    recall.remember(config_map("7", {"a": "1"}, labels={"team": "x"}))
    assert not recall.unchanged(config_map("8", {"a": "1"}, labels={"team": "x"}))  # another writer in between
    assert not recall.unchanged(config_map("7", {"a": "2"}, labels={"team": "x"}))  # the apply would change data
    assert not recall.unchanged(config_map("7", {"a": "1"}, labels={"team": "y"}))  # ... or a label
    assert not recall.unchanged(config_map("7", {"a": "1"}, uid="u-2", labels={"team": "x"}))  # never seen
    assert not recall.unchanged(config_map("7", {"a": "1"}, uid="", labels={"team": "x"}))


def test_the_latest_state_wins_and_the_least_recently_used_objects_are_forgotten_beyond_the_capacity() -> None:
    recall = Recall(capacity=2)
    recall.remember(config_map("1", {"a": "1"}, uid="u-1"))
    recall.remember(config_map("2", {"a": "2"}, uid="u-1"))
    assert not recall.unchanged(config_map("1", {"a": "1"}, uid="u-1"))
    assert recall.unchanged(config_map("2", {"a": "2"}, uid="u-1"))
    recall.remember(config_map("3", {}, uid="u-2"))
    assert recall.unchanged(config_map("2", {"a": "2"}, uid="u-1"))  # used: u-2 is now the oldest
    recall.remember(config_map("4", {}, uid="u-3"))
    assert len(recall) == 2
    assert not recall.unchanged(config_map("3", {}, uid="u-2"))
    assert recall.unchanged(config_map("2", {"a": "2"}, uid="u-1"))
    assert recall.unchanged(config_map("4", {}, uid="u-3"))


def test_with_no_capacity_nothing_is_remembered() -> None:
    recall = Recall(capacity=0)
    recall.remember(config_map("1", {"a": "1"}))
    assert not recall.unchanged(config_map("1", {"a": "1"}))
