"""Kustomization postBuild rules: variable names, merging, opting out, multi-document input."""

from __future__ import annotations

import pytest

from reflow.engines.envsubst import (
    InvalidVariableName,
    VariableNotSet,
    check_names,
    merge_variables,
    substitute_documents,
    substitute_manifest_text,
    substitution_disabled,
)

DOCUMENTS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${APP_NAME}
  namespace: ${APP_NAMESPACE:=default}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboards
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  panel.json: '{"datasource": "${DataSource}"}'
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: scripts
  labels:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  run.sh: |
    name=${1:-default}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${APP_NAME}-config
"""


def test_documents_are_substituted_except_opted_out_ones() -> None:
    rendered = substitute_documents(DOCUMENTS, {"APP_NAME": "myapp"}.get)
    expected = (
        DOCUMENTS.replace("${APP_NAME}", "myapp", 1)
        .replace("${APP_NAMESPACE:=default}", "default")
        .replace("${APP_NAME}-config", "myapp-config")
    )
    assert rendered == expected


def test_documents_in_strict_mode_fail_on_unset_variable() -> None:
    with pytest.raises(VariableNotSet, match="variable not set"):
        substitute_documents(DOCUMENTS, {}.get)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        pytest.param("APP_NAME", True, id="upper-with-underscore"),
        pytest.param("_private", True, id="leading-underscore"),
        pytest.param("cluster2", True, id="trailing-digit"),
        pytest.param("2cluster", False, id="leading-digit"),
        pytest.param("app-name", False, id="hyphen"),
        pytest.param("app.name", False, id="dot"),
        pytest.param("ñame", False, id="non-ascii-letter"),
    ],
)
def test_variable_names_must_be_shell_identifiers(name: str, valid: bool) -> None:
    if valid:
        check_names([name])
    else:
        with pytest.raises(InvalidVariableName, match="var name is invalid"):
            check_names([name])


def test_inline_variables_override_sources_and_newlines_are_removed() -> None:
    merged = merge_variables([{"a": "1", "b": "x\ny"}, {"a": "2"}], {"c": "3\n"})
    assert merged == {"a": "2", "b": "xy", "c": "3"}


def test_no_variables_means_no_substitution_even_in_strict_mode() -> None:
    assert substitute_manifest_text("name: ${unset}", {}, strict=True) == "name: ${unset}"


def test_invalid_name_is_refused_before_substituting() -> None:
    with pytest.raises(InvalidVariableName):
        substitute_manifest_text("name: ${ok}", {"ok": "1", "not-ok": "2"}, strict=False)


@pytest.mark.parametrize(
    ("metadata", "disabled"),
    [
        pytest.param({"labels": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}}, True, id="label"),
        pytest.param({"annotations": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}}, True, id="annotation"),
        pytest.param(
            {"annotations": {"kustomize.toolkit.fluxcd.io/substitute": "Disabled"}}, False, id="case-sensitive"
        ),
        pytest.param({}, False, id="absent"),
    ],
)
def test_substitution_opt_out(metadata: dict[str, dict[str, str]], disabled: bool) -> None:
    assert substitution_disabled({"metadata": metadata}) is disabled
