"""YAML merge follows Helm's values rules."""

from __future__ import annotations

import pytest

from reflow.engines.generator import NotAMapping, load_mapping, merge_values


@pytest.mark.parametrize(
    ("base", "overlay", "expected"),
    [
        pytest.param({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}}, {"a": {"b": 1, "c": 3}}, id="maps-merge"),
        pytest.param({"a": [1, 2]}, {"a": [3]}, {"a": [3]}, id="lists-replaced"),
        pytest.param({"a": {"b": 1}}, {"a": "flat"}, {"a": "flat"}, id="scalar-replaces-map"),
        pytest.param({"a": "flat"}, {"a": {"b": 1}}, {"a": {"b": 1}}, id="map-replaces-scalar"),
        pytest.param({"a": 1}, {"a": None}, {"a": None}, id="null-kept"),
    ],
)
def test_merge_values(base: dict[str, object], overlay: dict[str, object], expected: dict[str, object]) -> None:
    assert merge_values(base, overlay) == expected


def test_documents_of_a_stream_merge_in_order() -> None:
    assert load_mapping("a: {b: 1}\n---\n---\na: {c: 2}\n") == {"a": {"b": 1, "c": 2}}


@pytest.mark.parametrize("text", ["[1, 2]", "just text", "a: [unclosed"], ids=["list", "scalar", "broken"])
def test_non_mappings_are_refused(text: str) -> None:
    with pytest.raises(NotAMapping):
        load_mapping(text)
