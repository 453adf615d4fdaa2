"""Detect-only drift as plain data: the mode's parsing, which plans are drift, and the message."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.ssa import IgnoreRules
from reflow.engines.ssa.apply import Plan
from reflow.engines.ssa.changeset import Action
from reflow.engines.ssa.detect import SHOWN, Drift, DriftMode, describe, drifts
from reflow.engines.ssa.ignore import Pointer


def config_map(name: str, **data: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "apps", "resourceVersion": "7", "uid": "u"},
        "data": data,
    }


@pytest.mark.parametrize(("value", "mode"), [(None, DriftMode.CORRECT), ("", DriftMode.CORRECT),
                                              ("detect", DriftMode.DETECT), (" Detect ", DriftMode.DETECT),
                                              ("correct", DriftMode.CORRECT)])  # fmt: skip
def test_the_mode_is_correct_unless_detect_is_named(value: str | None, mode: DriftMode) -> None:
    assert DriftMode.parse(value) is mode


def test_an_unknown_mode_names_the_accepted_values() -> None:
    with pytest.raises(ValueError, match="unknown drift mode 'warn': use one of 'correct', 'detect'"):
        DriftMode.parse("warn")


def test_changed_fields_and_deleted_objects_are_drift_and_values_are_not_kept() -> None:
    live, desired = config_map("a", password="hunter2"), config_map("a", password="s3cret")
    plans = [
        Plan(obj=desired, action=Action.CONFIGURED, dry_run=desired, live=live),
        Plan(obj=config_map("b"), action=Action.CREATED),
        Plan(obj=config_map("c"), action=Action.UNCHANGED, dry_run=config_map("c"), live=config_map("c")),
        Plan(obj=config_map("d"), action=Action.SKIPPED),
    ]

    found = drifts(plans, IgnoreRules())

    assert found == (
        Drift(ObjectRef("v1", "ConfigMap", "a", "apps"), ("/data/password",)),
        Drift(ObjectRef("v1", "ConfigMap", "b", "apps"), missing=True),
    )
    assert "hunter2" not in describe(found, "main@sha1:1")
    assert "s3cret" not in describe(found, "main@sha1:1")


def test_ignored_fields_and_a_mere_ownership_handover_are_not_drift() -> None:
    live, desired = config_map("a", color="red"), config_map("a", color="blue")
    same = config_map("b", color="blue")
    plans = [
        Plan(obj=desired, action=Action.CONFIGURED, dry_run=desired, live=live),
        Plan(obj=same, action=Action.CONFIGURED, dry_run=same, live=same, patch=[{"op": "remove", "path": "/x"}]),
    ]
    rules = IgnoreRules(((None, (Pointer.parse("/data/color"),)),))

    assert drifts(plans, rules) == ()


def test_a_recreate_for_changed_immutable_fields_is_drift() -> None:
    plan = Plan(obj=config_map("a"), action=Action.CREATED, recreate=True)

    assert drifts([plan], IgnoreRules()) == (Drift(ObjectRef("v1", "ConfigMap", "a", "apps"), ("immutable fields",)),)


def test_the_message_names_the_first_objects_and_counts_the_rest() -> None:
    found = tuple(Drift(ObjectRef("v1", "ConfigMap", f"c{i}", "apps"), ("/data/x",)) for i in range(SHOWN + 2))

    message = describe(found, "main@sha1:abc")

    assert message.startswith(f"{SHOWN + 2} objects drifted from revision main@sha1:abc")
    assert "ConfigMap/apps/c0 (/data/x)" in message
    assert f"ConfigMap/apps/c{SHOWN}" not in message
    assert message.endswith("; and 2 more")
    assert describe((), "main@sha1:abc") == "No drift from revision main@sha1:abc"
