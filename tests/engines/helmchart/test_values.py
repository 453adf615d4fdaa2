"""valuesFiles merging: later files win, mappings merge at every depth, everything else is replaced."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reflow.engines.helmchart import ValuesFilesError, merge_maps, values_files_in_effect
from reflow.engines.helmchart.values import merge_values_files, render_values


@pytest.mark.parametrize(
    ("base", "override", "expected"),
    [
        pytest.param({"a": 1}, {"b": 2}, {"a": 1, "b": 2}, id="disjoint-keys-add-up"),
        pytest.param({"a": {"x": 1, "y": 2}}, {"a": {"y": 3}}, {"a": {"x": 1, "y": 3}}, id="maps-merge-deeply"),
        pytest.param({"a": [1, 2]}, {"a": [3]}, {"a": [3]}, id="lists-are-replaced"),
        pytest.param({"a": {"x": 1}}, {"a": "flat"}, {"a": "flat"}, id="scalar-replaces-map"),
        pytest.param({"a": "flat"}, {"a": {"x": 1}}, {"a": {"x": 1}}, id="map-replaces-scalar"),
        pytest.param({"a": {"x": 1}}, {"a": None}, {"a": None}, id="null-replaces"),
    ],
)
def test_merge_maps(base: dict[str, Any], override: dict[str, Any], expected: dict[str, Any]) -> None:
    assert merge_maps(base, override) == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param([], (), id="none"),
        pytest.param(["values.yaml"], (), id="lone-values-yaml-is-none"),
        pytest.param(["./values.yaml"], (), id="lone-values-yaml-cleaned"),
        pytest.param(["values.yaml", "prod.yaml"], ("values.yaml", "prod.yaml"), id="kept-with-others"),
        pytest.param(["prod.yaml"], ("prod.yaml",), id="other-file"),
    ],
)
def test_values_files_in_effect(files: list[str], expected: tuple[str, ...]) -> None:
    assert values_files_in_effect(files) == expected


FILES = {
    "values.yaml": b"replicas: 1\nimage: {repo: web, tag: '1.0'}\nports: [80, 443]\n",
    "prod.yaml": b"replicas: 3\nimage: {tag: '2.0'}\nports: [8080]\n",
    "empty.yaml": b"",
}


def test_files_merge_in_order_and_missing_ones_fail_or_are_skipped() -> None:
    merged = merge_values_files(["values.yaml", "prod.yaml", "empty.yaml"], FILES.get, ignore_missing=False)
    assert merged.values == {"replicas": 3, "image": {"repo": "web", "tag": "2.0"}, "ports": [8080]}
    assert merged.files == ("values.yaml", "prod.yaml", "empty.yaml")
    with pytest.raises(ValuesFilesError, match=re.escape("no values file found at path 'missing.yaml'")):
        merge_values_files(["values.yaml", "missing.yaml"], FILES.get, ignore_missing=False)
    skipped = merge_values_files(["missing.yaml", "prod.yaml"], FILES.get, ignore_missing=True)
    assert skipped.files == ("prod.yaml",)


def test_a_values_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ValuesFilesError, match=re.escape("'list.yaml' is not a YAML mapping")):
        merge_values_files(["list.yaml"], {"list.yaml": b"- a\n"}.get, ignore_missing=False)
    with pytest.raises(ValuesFilesError, match=re.escape("'bad.yaml' is not valid YAML at line")):
        merge_values_files(["bad.yaml"], {"bad.yaml": b"a: [\n"}.get, ignore_missing=False)


def test_rendered_values_have_sorted_keys() -> None:
    assert render_values({"b": 1, "a": {"d": 2, "c": 3}}) == b"a:\n  c: 3\n  d: 2\nb: 1\n"
