"""CEL health checks and readyExpr: fluxcd/pkg runtime/cel's test tables, Flux's documented examples, errors."""

from __future__ import annotations

import pytest

from reflow.api.kustomize import CustomHealthCheck
from reflow.engines.health import Status
from reflow.engines.health.cel import (
    EvaluationError,
    HealthRule,
    InvalidExpression,
    dependency_ready,
    parse,
    ready_expression,
    status_reader,
)

DATA = {"current": "data.current", "in_progress": "data.inProgress", "failed": "data.failed"}
CONDITIONS = {
    "in_progress": "has(status.observedGeneration) && metadata.generation != status.observedGeneration",
    "failed": "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')",
    "current": "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
}


def rule(current: str, in_progress: str | None = None, failed: str | None = None) -> HealthRule:
    check = CustomHealthCheck(api_version="x/v1", current=current, in_progress=in_progress, failed=failed)
    return status_reader([check]).rules[0]


def flags(current: bool, in_progress: bool, failed: bool) -> dict[str, object]:
    return {"data": {"current": current, "inProgress": in_progress, "failed": failed}}


@pytest.mark.parametrize(
    ("exprs", "obj", "expected"),
    [
        pytest.param(
            {"current": "true"},
            {"metadata": {"generation": 2}, "status": {"observedGeneration": 1}},
            Status.IN_PROGRESS,
            id="upstream-observed-generation-differs",
        ),
        pytest.param(DATA, flags(False, False, False), Status.IN_PROGRESS, id="upstream-all-false-in-progress"),
        pytest.param(DATA, flags(True, True, True), Status.IN_PROGRESS, id="upstream-all-true-in-progress"),
        pytest.param(DATA, flags(True, False, True), Status.FAILED, id="upstream-current-and-failed-is-failed"),
        pytest.param(DATA, flags(True, False, False), Status.CURRENT, id="upstream-only-current"),
        pytest.param(CONDITIONS, {"status": {"conditions": []}}, Status.FAILED, id="upstream-empty-conditions-failed"),
        pytest.param(
            {k: v for k, v in CONDITIONS.items() if k != "in_progress"},
            {"metadata": {"generation": 2}, "status": {"observedGeneration": 1}},
            Status.IN_PROGRESS,
            id="upstream-observed-generation-without-in-progress-expr",
        ),
        pytest.param(
            DATA,
            {"data": {"current": True, "inProgress": False}},
            Status.UNKNOWN,
            id="upstream-missing-key-is-an-error",
        ),
        pytest.param(CONDITIONS, {}, Status.UNKNOWN, id="upstream-no-status-is-an-error"),
        pytest.param(
            {"current": "status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')"},
            {"status": {}},
            Status.IN_PROGRESS,
            id="optional-field-access-tolerates-missing-conditions",
        ),
        pytest.param({"current": "metadata.name"}, {"metadata": {"name": "x"}}, Status.UNKNOWN, id="not-a-bool"),
    ],
)
def test_health_rule_evaluates_in_progress_then_failed_then_current(
    exprs: dict[str, str], obj: dict[str, object], expected: Status
) -> None:
    assert rule(**exprs).status(obj).status is expected


def test_evaluation_error_names_the_expression() -> None:
    status = rule(**DATA).status({"data": {"current": True, "inProgress": False}})
    assert "failed to evaluate the CEL expression 'data.failed'" in status.message


SEALED_SECRET = {
    "apiVersion": "bitnami.com/v1alpha1",
    "kind": "SealedSecret",
    "metadata": {"name": "s", "namespace": "default", "generation": 1},
    "status": {"observedGeneration": 1, "conditions": [{"type": "Synced", "status": "True"}]},
}
DOCS_SEALED_SECRETS = CustomHealthCheck(  # Flux's Kustomization docs, healthCheckExprs example
    api_version="bitnami.com/v1alpha1",
    kind="SealedSecret",
    failed="status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
    current="status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
)


@pytest.mark.parametrize(
    ("synced", "expected"),
    [pytest.param("True", Status.CURRENT, id="synced"), pytest.param("False", Status.FAILED, id="not-synced")],
)
def test_documented_sealed_secret_example(synced: str, expected: Status) -> None:
    obj = {**SEALED_SECRET, "status": {"observedGeneration": 1, "conditions": [{"type": "Synced", "status": synced}]}}
    assert status_reader([DOCS_SEALED_SECRETS])(obj).status is expected  # type: ignore[union-attr]


def test_reader_matches_group_ignoring_version_and_specific_kind_wins() -> None:
    reader = status_reader(
        [
            CustomHealthCheck(api_version="bitnami.com/v1", current="false"),
            CustomHealthCheck(api_version="bitnami.com/v2", kind="SealedSecret", current="true"),
        ]
    )
    assert reader(SEALED_SECRET).status is Status.CURRENT  # type: ignore[union-attr]
    assert reader({**SEALED_SECRET, "kind": "Other"}).status is Status.IN_PROGRESS  # type: ignore[union-attr]
    assert reader({**SEALED_SECRET, "apiVersion": "other.io/v1"}) is None
    assert reader({"apiVersion": "v1", "kind": "ConfigMap"}) is None


@pytest.mark.parametrize(
    ("check", "message"),
    [
        pytest.param(
            CustomHealthCheck(api_version="x/v1", current="data."),
            "failed to parse the expression Current",
            id="upstream-invalid-current",
        ),
        pytest.param(
            CustomHealthCheck(api_version="x/v1", current="true", in_progress="data."),
            "failed to parse the expression InProgress",
            id="upstream-invalid-in-progress",
        ),
        pytest.param(
            CustomHealthCheck(api_version="x/v1", kind="K", current="true", failed="data."),
            "healthCheckExprs for x/v1/K: failed to parse the expression Failed 'data.'",
            id="upstream-invalid-failed",
        ),
        pytest.param(
            CustomHealthCheck(api_version="x/v1", current=""),
            "expression Current not specified",
            id="upstream-current-required",
        ),
    ],
)
def test_invalid_health_expression_is_named(check: CustomHealthCheck, message: str) -> None:
    with pytest.raises(InvalidExpression, match=message.replace(".", r"\.")):
        status_reader([check])


def kustomization(name: str, **labels: str) -> dict[str, object]:
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "default", "labels": labels, "generation": 2},
        "status": {"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True"}]},
    }


@pytest.mark.parametrize(
    ("expr", "dep", "expected"),
    [
        pytest.param("self.metadata.namespace == dep.metadata.namespace", kustomization("a"), True, id="upstream-true"),
        pytest.param("dep.metadata.name == 'other'", kustomization("a"), False, id="upstream-false"),
        pytest.param("has(dep.metadata.labels.app)", kustomization("a", app="x"), True, id="upstream-has-true"),
        pytest.param("has(dep.metadata.labels.app)", kustomization("a"), False, id="upstream-has-false"),
        pytest.param(  # Flux's Kustomization docs, dependsOn readyExpr example
            "dep.metadata.generation == dep.status.observedGeneration"
            " && dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')"
            " && self.metadata.labels['app'] == dep.metadata.labels['app']",
            kustomization("a", app="x"),
            False,
            id="docs-example-labels-differ",
        ),
    ],
)
def test_ready_expression(expr: str, dep: dict[str, object], expected: bool) -> None:
    assert dependency_ready(ready_expression(expr), kustomization("self", app="y"), dep) is expected


def test_ready_expression_missing_field_is_an_error() -> None:
    with pytest.raises(EvaluationError, match=r"dep\.status\.phase"):
        dependency_ready(ready_expression("dep.status.phase == 'Running'"), kustomization("s"), kustomization("d"))


@pytest.mark.parametrize(
    "expr",
    [
        pytest.param("dep.", id="syntax"),
        pytest.param("other.metadata.name == 'x'", id="undeclared-variable"),
        pytest.param("dep.metadata.name", id="not-bool"),
        pytest.param("1 + 'a' == 2", id="type-error"),
    ],
)
def test_invalid_ready_expression_is_named(expr: str) -> None:
    with pytest.raises(InvalidExpression, match=f"'{expr.replace('.', '[.]').replace('+', '[+]')}'"):
        ready_expression(expr)


def test_parse_keeps_strings_extension_and_optional_access() -> None:
    obj = {"metadata": {"name": "Web"}, "status": {}}
    assert parse("metadata.name.lowerAscii() == 'web' && status.?x.orValue(1) == 1").evaluate(obj)
