"""Apply stages and the kind order inside them."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.engines.ssa.order import GroupKind, Stage, kind_rank, rank_groups, sort, stage_order, stages


def obj(api_version: str, kind: str, name: str = "x", namespace: str | None = None) -> Manifest:
    metadata = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


CUSTOM = frozenset({GroupKind("gateway.networking.k8s.io", "Gateway"), GroupKind("", "ConfigMap")})


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(obj("apiextensions.k8s.io/v1", "CustomResourceDefinition"), Stage.CLUSTER_DEFINITIONS, id="crd"),
        pytest.param(obj("v1", "Namespace"), Stage.CLUSTER_DEFINITIONS, id="namespace"),
        pytest.param(obj("rbac.authorization.k8s.io/v1", "ClusterRole"), Stage.CLUSTER_DEFINITIONS, id="cluster-role"),
        pytest.param(obj("example.com/v1", "Namespace"), Stage.OBJECTS, id="namespace-of-another-group"),
        pytest.param(obj("example.com/v1", "CustomResourceDefinition"), Stage.OBJECTS, id="crd-of-another-group"),
        pytest.param(obj("storage.k8s.io/v1", "StorageClass"), Stage.CLASSES, id="storage-class"),
        pytest.param(obj("networking.k8s.io/v1", "IngressClass"), Stage.CLASSES, id="ingress-class"),
        pytest.param(obj("scheduling.k8s.io/v1", "PriorityClass"), Stage.CLASSES, id="priority-class"),
        pytest.param(obj("node.k8s.io/v1", "RuntimeClass"), Stage.CLASSES, id="runtime-class"),
        pytest.param(obj("gateway.networking.k8s.io/v1", "GatewayClass"), Stage.CLASSES, id="gateway-class"),
        pytest.param(obj("gateway.networking.k8s.io/v1", "Gateway"), Stage.CUSTOM, id="custom-stage-kind"),
        pytest.param(obj("v1", "ConfigMap", namespace="a"), Stage.CUSTOM, id="custom-stage-core-kind"),
        pytest.param(obj("example.com/v1", "Gateway"), Stage.OBJECTS, id="same-kind-other-group-is-not-custom"),
        pytest.param(obj("apps/v1", "Deployment", namespace="a"), Stage.OBJECTS, id="deployment"),
        pytest.param(obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"), Stage.OBJECTS, id="binding"),
    ],
)
def test_stage_order_puts_definitions_then_classes_then_custom_kinds_first(manifest: Manifest, expected: Stage) -> None:
    assert stage_order(manifest, CUSTOM) is expected


def test_custom_kinds_parse_from_group_slash_kind() -> None:
    assert GroupKind.parse("gateway.networking.k8s.io/Gateway") == GroupKind("gateway.networking.k8s.io", "Gateway")
    assert GroupKind.parse("ConfigMap") == GroupKind("", "ConfigMap")
    with pytest.raises(ValueError, match="invalid"):
        GroupKind.parse("apps/")


def test_sort_follows_flux_kind_order_then_group_namespace_and_name() -> None:
    given = [
        obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
        obj("example.com/v1", "Widget", "b", "a"),
        obj("apps/v1", "Deployment", "web", "b"),
        obj("apps/v1", "Deployment", "web", "a"),
        obj("apps/v1", "Deployment", "api", "a"),
        obj("v1", "Service", "web", "a"),
        obj("v1", "Namespace", "a"),
        obj("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
        obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
        obj("v1", "ServiceAccount", "sa", "a"),
        obj("example.com/v1", "Gadget", "a", "a"),
    ]
    order = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in sort(given)]
    assert order == [
        ("CustomResourceDefinition", None, "widgets.example.com"),
        ("Namespace", None, "a"),
        ("ServiceAccount", "a", "sa"),
        ("Service", "a", "web"),
        ("Deployment", "a", "api"),
        ("Deployment", "a", "web"),
        ("Deployment", "b", "web"),
        ("Gadget", "a", "a"),
        ("Widget", "a", "b"),
        ("MutatingWebhookConfiguration", None, "x"),
        ("ValidatingWebhookConfiguration", None, "x"),
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("CustomResourceDefinition", "Namespace", id="crd-before-namespace"),
        pytest.param("Namespace", "ClusterRole", id="namespace-before-cluster-role"),
        pytest.param("ClusterRoleBinding", "ServiceAccount", id="binding-before-service-account"),
        pytest.param("ConfigMap", "Secret", id="config-map-before-secret"),
        pytest.param("Secret", "Service", id="secret-before-service"),
        pytest.param("PodDisruptionBudget", "Widget", id="known-before-unknown"),
        pytest.param("Widget", "MutatingWebhookConfiguration", id="unknown-before-webhooks"),
        pytest.param("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", id="mutating-first"),
    ],
)
def test_kind_rank(first: str, second: str) -> None:
    assert kind_rank(first) < kind_rank(second)


def test_stages_group_and_sort_objects_and_leave_out_empty_stages() -> None:
    given = [obj("apps/v1", "Deployment", "web", "a"), obj("v1", "Namespace", "a"), obj("v1", "Service", "web", "a")]
    assert [(stage, [o["kind"] for o in members]) for stage, members in stages(given)] == [
        (Stage.CLUSTER_DEFINITIONS, ["Namespace"]),
        (Stage.OBJECTS, ["Service", "Deployment"]),
    ]


def test_rank_groups_split_where_the_kind_changes_rank() -> None:
    given = [obj("v1", "Service", "b", "a"), obj("v1", "Service", "a", "a"), obj("x/v1", "A"), obj("y/v1", "B")]
    assert [[o["metadata"]["name"] for o in group] for group in rank_groups(given)] == [["a", "b"], ["x", "x"]]
