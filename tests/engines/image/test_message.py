"""Commit messages: the templates in Flux's ImageUpdateAutomation documentation render the same text."""

from __future__ import annotations

import hashlib

import pytest

from reflow.api.image import ImageRef
from reflow.engines.image.message import (
    AutomationObject,
    InvalidMessageTemplate,
    RemovedTemplateField,
    TemplateData,
    commit_message,
)
from reflow.engines.image.setters import apply_setters, setter_values
from tests.engines.image.flux_templates import FUNCTIONS_EXAMPLE, GERRIT_EXAMPLE, GITEA_EXAMPLE, RANGE_EXAMPLE

OLD = "ghcr.io/stefanprodan/podinfo:5.0.0"
NEW = "ghcr.io/stefanprodan/podinfo:5.0.3"
DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: default
spec:
  template:
    spec:
      containers:
        - name: podinfo
          image: {OLD} # {{"$imagepolicy": "flux-system:podinfo"}}
"""


def data(values: dict[str, str] | None = None) -> TemplateData:
    setters = setter_values({("flux-system", "podinfo"): ImageRef(name="ghcr.io/stefanprodan/podinfo", tag="5.0.3")})
    changed = apply_setters({"apps/podinfo.yaml": DEPLOYMENT}, setters)
    return TemplateData(AutomationObject("flux-system", "podinfo-auto"), changed, values or {})


def test_range_example_lists_files_and_object_changes() -> None:
    assert commit_message(RANGE_EXAMPLE, data()) == (
        "Automated image update\n\nAutomation name: flux-system/podinfo-auto\n\n"
        "Files:\n- apps/podinfo.yaml\n"
        "Objects:\n- Deployment podinfo\n  Changes:\n"
        f"    - {OLD} -> {NEW}\n"
    )


def test_functions_example_lowers_and_tests_the_new_value() -> None:
    assert commit_message(FUNCTIONS_EXAMPLE, data()) == (
        "Automated image update\n\nAutomation name: flux-system/podinfo-auto\n\n"
        "Files:\n- apps/podinfo.yaml\n"
        "Objects:\n- deployment podinfo\n  Changes:\n"
        f"  - {OLD} -> {NEW}\n  "
    )


def test_gerrit_example_derives_the_change_id_from_go_formatted_data() -> None:
    change = f"{{{OLD} {NEW} flux-system:podinfo}}"
    identifier = "{{{apps/v1 Deployment} {podinfo default}}}"
    source = (
        "flux-system/podinfo-auto"
        f"map[apps/podinfo.yaml:map[{identifier}:[{change}]]]"
        f"map[{identifier}:[{change}]]"
        f"[{change}]"
    )
    change_id = "I" + hashlib.sha256(source.encode()).hexdigest()[:40]
    assert commit_message(GERRIT_EXAMPLE, data()) == (
        f"Perform automatic image update\n\nAutomation name: flux-system/podinfo-auto\nChange-Id: {change_id}\n"
    )


def test_gitea_example_prints_one_line_per_change() -> None:
    assert commit_message(GITEA_EXAMPLE, data()) == f"{OLD} -> {NEW}\n"


def test_values_example() -> None:
    template = "Automated image update by Flux for cluster {{ .Values.cluster }}."
    assert commit_message(template, data({"cluster": "prod"})) == "Automated image update by Flux for cluster prod."


def test_no_template_gives_flux_default_message() -> None:
    assert commit_message(None, data()) == "Update from image update automation"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ .Updated }}", "removed '.Updated' field. Please use '.Changed' instead.", id="updated"),
        pytest.param("{{ .Changed.ImageResult }}", "removed '.Changed.ImageResult' field", id="image-result"),
    ],
)
def test_removed_fields_point_to_changed(template: str, expected: str) -> None:
    with pytest.raises(RemovedTemplateField, match=expected.replace(".", r"\.").replace("(", r"\(")):
        commit_message(template, data())


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ .Nope }}", "can't evaluate field Nope in type TemplateData", id="unknown-field"),
        pytest.param("{{ nope }}", 'function "nope" not defined', id="unknown-function"),
        pytest.param("{{ if .Values }}", "has no {{end}}", id="unclosed-if"),
    ],
)
def test_broken_templates_are_clear_errors(template: str, expected: str) -> None:
    with pytest.raises(InvalidMessageTemplate, match=expected.replace("{", r"\{").replace("}", r"\}")):
        commit_message(template, data())
