"""Ignore-rule targets: Kubernetes label selectors and regular expressions anchored as Flux anchors them."""

from __future__ import annotations

import pytest

from reflow.api.kustomize import Selector
from reflow.api.meta import Manifest
from reflow.engines.ssa.selector import Target, parse_label_selector

LABELS = {"app": "web", "tier": "front", "replicas": "3", "empty": ""}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param("", True, id="empty-selects-everything"),
        pytest.param("app=web", True, id="equals"),
        pytest.param("app == web", True, id="double-equals-with-spaces"),
        pytest.param("app=api", False, id="equals-other-value"),
        pytest.param("app!=api", True, id="not-equals"),
        pytest.param("missing!=x", True, id="not-equals-holds-for-a-missing-key"),
        pytest.param("empty=", True, id="equals-empty-value"),
        pytest.param("missing=", False, id="equals-empty-needs-the-key"),
        pytest.param("app", True, id="exists"),
        pytest.param("!app", False, id="does-not-exist"),
        pytest.param("!missing", True, id="missing-does-not-exist"),
        pytest.param("tier in (back, front)", True, id="in"),
        pytest.param("tier notin (back,front)", False, id="notin"),
        pytest.param("missing notin (a)", True, id="notin-holds-for-a-missing-key"),
        pytest.param("replicas>2,replicas<4", True, id="greater-and-less"),
        pytest.param("app>2", False, id="greater-on-a-non-number"),
        pytest.param("app=web,tier=back", False, id="every-requirement-must-hold"),
        pytest.param("example.com/role!=db", True, id="prefixed-key"),
    ],
)
def test_label_selector_matches_as_kubernetes(selector: str, expected: bool) -> None:
    assert parse_label_selector(selector).matches(LABELS) is expected


@pytest.mark.parametrize(
    ("selector", "complaint"),
    [
        pytest.param("app in ()", "at least one value", id="empty-set"),
        pytest.param("app in (a", "ends too early", id="unclosed-set"),
        pytest.param("app=web tier=x", "expected ','", id="missing-comma"),
        pytest.param("-app=web", "not a valid label key", id="bad-key"),
        pytest.param("app=we b", "expected ','", id="space-in-value"),
        pytest.param("app>x", "not an integer", id="non-integer-bound"),
        pytest.param("app=", None, id="empty-value-is-fine"),
    ],
)
def test_label_selector_errors_name_the_selector_and_the_problem(selector: str, complaint: str | None) -> None:
    if complaint is None:
        parse_label_selector(selector)
        return
    with pytest.raises(ValueError, match=complaint) as error:
        parse_label_selector(selector)
    assert repr(selector) in str(error.value)


def deployment(**metadata: object) -> Manifest:
    meta: Manifest = {"name": "web", "namespace": "apps", **metadata}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param(Selector(), True, id="empty-target"),
        pytest.param(Selector(kind="Deployment"), True, id="kind"),
        pytest.param(Selector(kind="Deploy"), False, id="kind-is-anchored-at-the-end"),
        pytest.param(Selector(kind="ployment"), False, id="kind-is-anchored-at-the-start"),
        pytest.param(Selector(kind="Deploy.*|StatefulSet"), True, id="alternation-is-anchored-as-a-whole"),
        pytest.param(Selector(group="apps", version="v1"), True, id="group-and-version"),
        pytest.param(Selector(group=""), True, id="empty-pattern-selects-all"),
        pytest.param(Selector(group="^$"), False, id="core-group-only"),
        pytest.param(Selector(name="w.b", namespace="app."), True, id="name-and-namespace"),
        pytest.param(Selector(label_selector="app=web"), True, id="labels"),
        pytest.param(Selector(label_selector="app=api"), False, id="labels-other-value"),
        pytest.param(Selector(annotation_selector="autoscaled"), True, id="annotations"),
        pytest.param(Selector(kind="Deployment", annotation_selector="!autoscaled"), False, id="all-must-hold"),
    ],
)
def test_target_selects_objects(selector: Selector, expected: bool) -> None:
    obj = deployment(labels={"app": "web"}, annotations={"autoscaled": "true"})
    assert Target.of(selector).matches(obj) is expected


def test_core_group_objects_have_an_empty_group() -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    assert Target.of(Selector(group="^$", version="v1")).matches(config_map)


def test_an_invalid_regular_expression_names_its_field() -> None:
    with pytest.raises(ValueError, match=r"invalid kind regex '\(Deployment': "):
        Target.of(Selector(kind="(Deployment"))
