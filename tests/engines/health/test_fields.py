"""Typed field reads: lenient counters and strings, as kstatus's util_test.go pins them down."""

from __future__ import annotations

from typing import Any

import pytest

from reflow.engines.health.fields import (
    MalformedObject,
    conditions,
    creation_time,
    group_kind,
    int_field,
    str_field,
    strict_int,
)

OBJ: dict[str, Any] = {
    "f1": {"f2": {"i32": 32, "i64": 64, "float": 64.02, "flag": True, "ms": [{"a": 22}]}},
    "ride": "dragon",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("f1.f2.i32", 32, id="upstream-int32"),
        pytest.param("f1.f2.wrongname", -1, id="upstream-missing-gives-default"),
        pytest.param("f1.f2.i64", 64, id="upstream-int64"),
        pytest.param("f1.f2.float", -1, id="upstream-float-gives-default"),
        pytest.param("f1.f2.flag", -1, id="boolean-is-not-an-integer"),
        pytest.param("ride.length", -1, id="path-through-a-string-gives-default"),
        pytest.param("f1.f2.ms.0", -1, id="path-through-a-list-gives-default"),
    ],
)
def test_int_field_reads_integers_and_defaults_otherwise(path: str, expected: int) -> None:
    assert int_field(OBJ, path, -1) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("ride", "dragon", id="upstream-present"),
        pytest.param("destination", "north", id="upstream-missing-gives-default"),
        pytest.param("f1.f2.i32", "north", id="integer-is-not-a-string"),
    ],
)
def test_str_field_reads_strings_and_defaults_otherwise(path: str, expected: str) -> None:
    assert str_field(OBJ, path, "north") == expected


def test_strict_int_rejects_a_present_value_of_the_wrong_type() -> None:
    assert strict_int({"metadata": {"generation": 3}}, "metadata.generation") == 3
    assert strict_int({"metadata": {}}, "metadata.generation") is None
    with pytest.raises(MalformedObject, match="expected an integer"):
        strict_int({"metadata": {"generation": 1.5}}, "metadata.generation")


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param({"apiVersion": "apps/v1", "kind": "Deployment"}, "apps/Deployment", id="named-group"),
        pytest.param({"apiVersion": "v1", "kind": "Pod"}, "Pod", id="core-group"),
        pytest.param({"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget"}, "policy/PodDisruptionBudget",
                     id="version-is-ignored"),
        pytest.param({"kind": "Pod"}, "Pod", id="missing-api-version"),
    ],
)  # fmt: skip
def test_group_kind_keys_rules_by_group_and_kind(obj: dict[str, Any], expected: str) -> None:
    assert group_kind(obj) == expected


def test_conditions_fill_missing_strings_with_empty_ones() -> None:
    (only,) = conditions({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    assert (only.type, only.status, only.reason, only.message) == ("Ready", "True", "", "")


def test_creation_time_reads_rfc3339_and_tolerates_garbage() -> None:
    parsed = creation_time({"metadata": {"creationTimestamp": "2026-01-02T03:04:05Z"}})
    assert parsed is not None
    assert parsed.isoformat() == "2026-01-02T03:04:05+00:00"
    assert creation_time({"metadata": {"creationTimestamp": "yesterday"}}) is None
    assert creation_time({"metadata": {}}) is None
