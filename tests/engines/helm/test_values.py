"""Values composition, `--set` paths and the config digest, with plain data."""

from __future__ import annotations

from typing import Any

import pytest

from reflow.api.helm import ValuesReference
from reflow.engines.helm.names import release_name, shorten
from reflow.engines.helm.strvals import StrvalsError, parse_into
from reflow.engines.helm.values import Resolved, ValuesError, compose, digest_values


@pytest.mark.parametrize(
    ("values", "digest"),
    [
        pytest.param({}, "sha256:ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356", id="empty"),
        pytest.param(
            {"foo": "bar", "baz": {"cool": "stuff"}},
            "sha256:3f3641788a2d4abda3534eaa90c90b54916e4c6e3a5b2e1b24758b7bfa701ecd",
            id="value-map",
        ),
    ],
)
def test_config_digest_matches_flux(values: dict[str, Any], digest: str) -> None:
    assert digest_values(values) == digest


def test_config_digest_ignores_key_order() -> None:
    assert digest_values({"a": 1, "b": {"c": 2, "d": 3}}) == digest_values({"b": {"d": 3, "c": 2}, "a": 1})


def cm(name: str, data: dict[str, str] | None, **ref: Any) -> Resolved:
    return Resolved(ValuesReference(kind="ConfigMap", name=name, **ref), data)


def test_values_from_merge_in_order_then_inline_values_win() -> None:
    resolved = [
        cm("base", {"values.yaml": "a: 1\nnested: {x: 1, y: 1}\n"}),
        cm("over", {"custom": "nested: {y: 2}\nb: 2\n"}, values_key="custom"),
    ]
    values = compose(resolved, {"b": 3, "nested": {"z": 3}}, "ns")
    assert values == {"a": 1, "b": 3, "nested": {"x": 1, "y": 2, "z": 3}}


@pytest.mark.parametrize(
    ("raw", "literal", "expected"),
    [
        pytest.param("3", False, 3, id="typed-integer"),
        pytest.param("true", False, True, id="typed-bool"),
        pytest.param("'3'", False, "3", id="quoted-is-string"),
        pytest.param("a,b=c", True, "a,b=c", id="literal-keeps-commas"),
        pytest.param("007", False, "007", id="leading-zero-stays-string"),
    ],
)
def test_target_path_sets_one_value_as_helm_set(raw: str, literal: bool, expected: object) -> None:
    resolved = [cm("base", {"values.yaml": "image: {tag: old, name: app}\n"}),
                cm("tag", {"tag": raw}, values_key="tag", target_path="image.tag", literal=literal)]  # fmt: skip
    assert compose(resolved, None, "ns") == {"image": {"tag": expected, "name": "app"}}


def test_missing_reference_fails_unless_optional() -> None:
    with pytest.raises(ValuesError, match=r"could not resolve ConfigMap chart values reference 'ns/gone' "
                                          r"with key 'values.yaml': resource not found"):  # fmt: skip
        compose([cm("gone", None)], None, "ns")
    assert compose([cm("gone", None, optional=True), cm("nokey", {}, optional=True)], {"a": 1}, "ns") == {"a": 1}
    with pytest.raises(ValuesError, match="key not found"):
        compose([cm("nokey", {"other": "a: 1"})], None, "ns")


def test_values_document_that_is_not_a_map_is_refused() -> None:
    with pytest.raises(ValuesError, match="not a map"):
        compose([cm("list", {"values.yaml": "- a\n- b\n"})], None, "ns")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        pytest.param("a.b=c", {"a": {"b": "c"}}, id="nested"),
        pytest.param("a=1,b=null", {"a": 1, "b": None}, id="two-assignments"),
        pytest.param("list[1]=x", {"list": [None, "x"]}, id="index"),
        pytest.param("list[0].name=x", {"list": [{"name": "x"}]}, id="index-then-key"),
        pytest.param(r"a\.b=c", {"a.b": "c"}, id="escaped-dot"),
        pytest.param("a={x,y}", {"a": ["x", "y"]}, id="list-value"),
    ],
)
def test_strvals_parses_helm_set_syntax(expression: str, expected: dict[str, Any]) -> None:
    values: dict[str, Any] = {}
    parse_into(expression, values)
    assert values == expected


def test_strvals_refuses_a_key_without_value() -> None:
    with pytest.raises(StrvalsError):
        parse_into("a.b", {})


def test_release_name_defaults_and_shortening() -> None:
    assert release_name("web", None) == "web"
    assert release_name("web", "apps") == "apps-web"
    assert release_name("web", "apps", "custom") == "custom"
    long = "a" * 30 + "-" + "b" * 30
    short = shorten(long)
    assert len(short) == 53
    assert short.startswith("a" * 30 + "-" + "b" * 9 + "-")
