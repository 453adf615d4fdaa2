"""Parsing Flux objects into reflow's models: names mapped, defaults filled, durations in seconds, status rendered."""

from __future__ import annotations

import dataclasses

import pytest

from reflow.api.conditions import READY, Condition, find, is_true
from reflow.api.crds import KINDS
from reflow.api.helm import HelmRelease
from reflow.api.image import ImagePolicy, ImageRepository, ImageUpdateAutomation
from reflow.api.kustomize import Kustomization, ResourceInventory, ResourceRef
from reflow.api.meta import Manifest
from reflow.api.notification import Alert, Receiver
from reflow.api.schema import fields_of
from reflow.api.source import GitRepository, OCIRepository
from reflow.api.wire import merge_patch, parse_object, parse_value, render, render_object, status_patch

GIT_REPOSITORY: Manifest = {
    "apiVersion": "source.toolkit.fluxcd.io/v1",
    "kind": "GitRepository",
    "metadata": {"name": "podinfo", "namespace": "default", "generation": 2, "managedFields": [{}]},
    "spec": {"interval": "5m0s", "url": "https://github.com/stefanprodan/podinfo", "ref": {"branch": "master"}},
    "status": {
        "observedGeneration": 2,
        "artifact": {
            "digest": "sha256:95e386f421272710c4cedbbd8607dbbaa019d500e7a5a0b6720bc7bebefc7bf2",
            "lastUpdateTime": "2022-02-14T11:23:36Z",
            "path": "gitrepository/default/podinfo/132f4e719209eb10b9485302f8593fc0e680f4fc.tar.gz",
            "revision": "master@sha1:132f4e719209eb10b9485302f8593fc0e680f4fc",
            "size": 91318,
            "url": "http://source-controller.flux-system.svc.cluster.local./gitrepository/default/podinfo/x.tar.gz",
        },
        "conditions": [
            {
                "lastTransitionTime": "2022-02-14T11:23:36Z",
                "message": "stored artifact for revision 'master@sha1:132f4e719209eb10b9485302f8593fc0e680f4fc'",
                "observedGeneration": 2,
                "reason": "Succeeded",
                "status": "True",
                "type": "Ready",
            }
        ],
    },
}
KUSTOMIZATION: Manifest = {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "metadata": {"name": "podinfo", "namespace": "default"},
    "spec": {
        "interval": "10m",
        "targetNamespace": "default",
        "sourceRef": {"kind": "GitRepository", "name": "podinfo"},
        "path": "./kustomize",
        "prune": True,
        "timeout": "1m",
        "postBuild": {"substitute": {"cluster_env": "prod"}, "substituteFrom": [{"kind": "ConfigMap", "name": "vars"}]},
        "kubeConfig": {"secretRef": {"name": "prod-kubeconfig", "key": "value.yaml"}},
    },
}
HELM_RELEASE: Manifest = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2",
    "kind": "HelmRelease",
    "metadata": {"name": "podinfo", "namespace": "default"},
    "spec": {
        "interval": "10m",
        "timeout": "5m",
        "chart": {
            "spec": {
                "chart": "podinfo",
                "version": "6.5.*",
                "sourceRef": {"kind": "HelmRepository", "name": "podinfo"},
                "interval": "5m",
            }
        },
        "releaseName": "podinfo",
        "install": {"remediation": {"retries": 3}},
        "upgrade": {
            "remediation": {"remediateLastFailure": False},
            "strategy": {"name": "RetryOnFailure", "retryInterval": "2m"},
        },
        "test": {"enable": True},
        "driftDetection": {
            "mode": "enabled",
            "ignore": [{"paths": ["/spec/replicas"], "target": {"kind": "Deployment"}}],
        },
        "values": {"replicaCount": 2, "ingress": {"enabled": True}},
        "valuesFrom": [{"kind": "ConfigMap", "name": "podinfo-values"}],
    },
}
IMAGE_POLICY: Manifest = {
    "apiVersion": "image.toolkit.fluxcd.io/v1",
    "kind": "ImagePolicy",
    "metadata": {"name": "podinfo", "namespace": "default"},
    "spec": {
        "imageRepositoryRef": {"name": "podinfo"},
        "filterTags": {"pattern": "^main-[a-f0-9]+-(?P<ts>[0-9]+)", "extract": "$ts"},
        "policy": {"numerical": {}},
    },
}
IMAGE_UPDATE_AUTOMATION: Manifest = {
    "apiVersion": "image.toolkit.fluxcd.io/v1",
    "kind": "ImageUpdateAutomation",
    "metadata": {"name": "flux-system", "namespace": "flux-system"},
    "spec": {
        "interval": "30m",
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
        "git": {
            "checkout": {"ref": {"branch": "main"}},
            "commit": {"author": {"email": "fluxcdbot@users.noreply.github.com", "name": "fluxcdbot"}},
            "push": {"branch": "main"},
        },
    },
    "status": {"observedPolicies": {"podinfo": {"name": "ghcr.io/stefanprodan/podinfo", "tag": "6.5.0"}}},
}
RECEIVER: Manifest = {
    "apiVersion": "notification.toolkit.fluxcd.io/v1",
    "kind": "Receiver",
    "metadata": {"name": "github-receiver", "namespace": "flux-system"},
    "spec": {
        "type": "github",
        "events": ["ping", "push"],
        "secretRef": {"name": "receiver-token"},
        "resources": [{"kind": "GitRepository", "name": "webapp"}],
    },
}
ALERT: Manifest = {
    "apiVersion": "notification.toolkit.fluxcd.io/v1",
    "kind": "Alert",
    "metadata": {"name": "on-call-webapp", "namespace": "flux-system"},
    "spec": {
        "providerRef": {"name": "slack"},
        "eventSources": [{"kind": "Kustomization", "name": "*", "matchLabels": {"team": "web"}}],
    },
}


def test_git_repository_sample_parses_with_defaults_and_seconds() -> None:
    repo = parse_object(GitRepository, GIT_REPOSITORY)
    assert repo.metadata.name == "podinfo"
    assert repo.metadata.generation == 2
    assert repo.spec.interval == 300.0
    assert repo.spec.timeout == 60.0  # schema default 60s
    assert repo.spec.ref is not None
    assert repo.spec.ref.branch == "master"
    assert repo.status.artifact is not None
    assert repo.status.artifact.size == 91318
    assert repo.status.artifact.revision.startswith("master@sha1:")
    assert is_true(repo.status.conditions, READY)


def test_missing_status_defaults_observed_generation_to_minus_one() -> None:
    repo = parse_object(GitRepository, {**GIT_REPOSITORY, "status": None})
    assert repo.status.observed_generation == -1


def test_kustomization_sample_maps_nested_names_and_durations() -> None:
    ks = parse_object(Kustomization, KUSTOMIZATION)
    assert ks.spec.interval == 600.0
    assert ks.spec.timeout == 60.0
    assert ks.spec.source_ref.kind == "GitRepository"
    assert ks.spec.force is False
    assert ks.spec.post_build is not None
    assert ks.spec.post_build.substitute == {"cluster_env": "prod"}
    assert ks.spec.post_build.substitute_from[0].optional is False
    assert ks.spec.kube_config is not None
    assert ks.spec.kube_config.secret_ref is not None
    assert ks.spec.kube_config.secret_ref.key == "value.yaml"
    assert ks.spec.effective_retry_interval == 600.0


@pytest.mark.parametrize(
    ("interval", "timeout", "expected"),
    [
        pytest.param("10m", None, 570.0, id="default-is-interval-minus-30s"),
        pytest.param("40s", None, 30.0, id="default-never-under-30s"),
        pytest.param("10m", "2m", 120.0, id="explicit-timeout"),
    ],
)
def test_kustomization_effective_timeout(interval: str, timeout: str | None, expected: float) -> None:
    spec: Manifest = {**KUSTOMIZATION["spec"], "interval": interval, "timeout": timeout}
    ks = parse_object(Kustomization, {**KUSTOMIZATION, "spec": spec})
    assert ks.spec.effective_timeout == expected


def test_helm_release_sample_parses_actions_values_and_chart_template() -> None:
    hr = parse_object(HelmRelease, HELM_RELEASE)
    assert hr.spec.chart is not None
    assert hr.spec.chart.spec.interval == 300.0
    assert hr.spec.chart.spec.reconcile_strategy == "ChartVersion"
    assert hr.spec.timeout == 300.0
    assert hr.spec.install is not None
    assert hr.spec.install.remediation is not None
    assert hr.spec.install.remediation.retries == 3
    assert hr.spec.upgrade is not None
    assert hr.spec.upgrade.strategy is not None
    assert hr.spec.upgrade.strategy.retry_interval == 120.0
    assert hr.spec.values == {"replicaCount": 2, "ingress": {"enabled": True}}
    assert hr.spec.drift_detection is not None
    assert hr.spec.drift_detection.ignore[0].paths == ("/spec/replicas",)
    assert hr.status.failures == 0


def test_image_policy_fills_nested_order_and_digest_policy_defaults() -> None:
    policy = parse_object(ImagePolicy, IMAGE_POLICY)
    assert policy.spec.policy.numerical is not None
    assert policy.spec.policy.numerical.order == "asc"
    assert policy.spec.digest_reflection_policy == "Never"


def test_image_repository_defaults_exclude_signature_tags() -> None:
    manifest: Manifest = {
        "apiVersion": "image.toolkit.fluxcd.io/v1",
        "kind": "ImageRepository",
        "metadata": {"name": "podinfo"},
        "spec": {"image": "ghcr.io/stefanprodan/podinfo", "interval": "1h"},
    }
    repo = parse_object(ImageRepository, manifest)
    assert repo.spec.exclusion_list == (r"^.*\.sig$",)
    assert repo.spec.interval == 3600.0
    assert repo.spec.provider == "generic"


def test_image_update_automation_defaults_update_strategy_and_reads_policy_map() -> None:
    automation = parse_object(ImageUpdateAutomation, IMAGE_UPDATE_AUTOMATION)
    assert automation.spec.update.strategy == "Setters"
    assert automation.spec.interval == 1800.0
    assert automation.status.observed_policies["podinfo"].tag == "6.5.0"


def test_receiver_and_alert_defaults() -> None:
    receiver = parse_object(Receiver, RECEIVER)
    alert = parse_object(Alert, ALERT)
    assert receiver.spec.interval == 600.0
    assert receiver.spec.events == ("ping", "push")
    assert alert.spec.event_severity == "info"
    assert alert.spec.event_sources[0].match_labels == {"team": "web"}


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        pytest.param(
            {**GIT_REPOSITORY, "kind": "Bucket"}, "expected source.toolkit.fluxcd.io/v1 GitRepository", id="wrong-kind"
        ),
        pytest.param(
            {**GIT_REPOSITORY, "spec": {"url": "https://x"}},
            ".spec.interval: required field is missing",
            id="missing-required",
        ),
        pytest.param(
            {**GIT_REPOSITORY, "spec": {"url": "https://x", "interval": "soon"}},
            ".spec.interval: invalid duration 'soon'",
            id="bad-duration",
        ),
        pytest.param(
            {**GIT_REPOSITORY, "spec": {"url": "https://x", "interval": "1m", "provider": "gitlab"}},
            ".spec.provider: 'gitlab' is not one of",
            id="bad-enum",
        ),
        pytest.param(
            {**GIT_REPOSITORY, "spec": {"url": "https://x", "interval": "1m", "suspend": "yes"}},
            ".spec.suspend: expected true or false",
            id="bad-bool",
        ),
    ],
)
def test_invalid_objects_raise_value_error_naming_the_field(manifest: Manifest, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_object(GitRepository, manifest)


def test_oci_repository_without_url_is_rejected_by_the_model() -> None:
    manifest: Manifest = {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "OCIRepository",
        "metadata": {"name": "x"},
        "spec": {"interval": "1m"},
    }
    with pytest.raises(ValueError, match=r"\.spec\.url: required field is missing"):
        parse_object(OCIRepository, manifest)


def test_render_round_trips_the_sample_status() -> None:
    repo = parse_object(GitRepository, GIT_REPOSITORY)
    assert render(repo.status) == GIT_REPOSITORY["status"]
    assert render_object(repo)["spec"] == {**GIT_REPOSITORY["spec"], "interval": "5m", "timeout": "1m"}


def test_status_patch_renders_conditions_and_inventory() -> None:
    ks = parse_object(Kustomization, KUSTOMIZATION)
    ready = Condition(
        type=READY,
        status="True",
        reason="ReconciliationSucceeded",
        message="Applied revision: main@sha1:1",
        last_transition_time="2026-01-01T00:00:00Z",
        observed_generation=1,
    )
    status = dataclasses.replace(
        ks.status,
        observed_generation=1,
        conditions=(ready,),
        last_applied_revision="main@sha1:1",
        inventory=ResourceInventory(entries=(ResourceRef(id="default_podinfo_apps_Deployment", v="v1"),)),
    )
    patch = status_patch(dataclasses.replace(ks, status=status))
    assert patch["status"]["inventory"] == {"entries": [{"id": "default_podinfo_apps_Deployment", "v": "v1"}]}
    assert patch["status"]["conditions"][0]["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert patch["status"]["lastAppliedRevision"] == "main@sha1:1"
    assert find(status.conditions, READY) == ready
    empty = render(dataclasses.replace(status, inventory=ResourceInventory()))
    assert empty["inventory"] == {"entries": []}  # required lists are written even when empty


def test_merge_patch_sets_changes_and_nulls_removed_keys() -> None:
    before = {"observedGeneration": 1, "failures": 2, "history": [1], "inventory": {"entries": []}}
    after = {"observedGeneration": 2, "history": [1], "inventory": {"entries": [{"id": "a", "v": "v1"}]}}
    assert merge_patch(before, after) == {
        "failures": None,
        "observedGeneration": 2,
        "inventory": {"entries": [{"id": "a", "v": "v1"}]},
    }


def _models(root: type) -> set[type]:
    found = {root}
    for field in fields_of(root):
        shape = field.shape
        while shape.item is not None:
            shape = shape.item
        if shape.model is not None and shape.model not in found:
            found |= _models(shape.model)
    return found


ALL_MODELS = sorted(set().union(*(_models(kind) for kind in KINDS)), key=lambda model: model.__name__)


@pytest.mark.parametrize("model", ALL_MODELS, ids=[model.__name__ for model in ALL_MODELS])
def test_model_defaults_equal_the_schema_defaults(model: type) -> None:
    for declared in dataclasses.fields(model):
        field = next(f for f in fields_of(model) if f.name == declared.name)
        if field.prop.default is None:
            continue
        assert field.has_default, f"{model.__name__}.{field.name} has a schema default but no model default"
        factory = declared.default_factory
        expected = factory() if factory is not dataclasses.MISSING else declared.default
        assert parse_value(field.shape, field.prop.default) == expected, f"{model.__name__}.{field.name}"
