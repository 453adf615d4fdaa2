"""reflow's CRDs on a real API server: they establish, samples get Flux's defaults, invalid objects are refused."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reflow.api.conditions import condition_true
from reflow.api.crds import KINDS
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import Invalid, NotFound

FIELD_MANAGER = "reflow-tests"
SOURCE = "source.toolkit.fluxcd.io/v1"
OBSERVED_MINUS_ONE = {"observedGeneration": -1}


def sample(api_version: str, kind: str, spec: Manifest, name: str = "sample") -> Manifest:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, "spec": spec}


# Each kind's sample object as Flux's documentation shows it, and what the API server must store for it.
# ExternalArtifact and ArtifactGenerator statuses have no observedGeneration, so (as in Flux) no status default;
# Provider and Alert have no status at all.
SAMPLES: list[tuple[Manifest, Manifest]] = [
    (
        sample(
            SOURCE,
            "GitRepository",
            {"interval": "5m0s", "url": "https://github.com/stefanprodan/podinfo", "ref": {"branch": "master"}},
        ),
        {"spec": {"timeout": "60s", "ref": {"branch": "master"}}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(
            SOURCE,
            "OCIRepository",
            {"interval": "5m0s", "url": "oci://ghcr.io/stefanprodan/manifests/podinfo", "ref": {"tag": "latest"}},
        ),
        {"spec": {"ref": {"tag": "latest"}}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(SOURCE, "Bucket", {"interval": "5m0s", "endpoint": "minio.example.com", "bucketName": "example"}),
        {"spec": {"provider": "generic", "timeout": "60s"}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(SOURCE, "HelmRepository", {"interval": "5m0s", "url": "https://stefanprodan.github.io/podinfo"}),
        {"spec": {"provider": "generic"}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(
            SOURCE,
            "HelmChart",
            {"interval": "5m0s", "chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}},
        ),
        {"spec": {"reconcileStrategy": "ChartVersion", "version": "*"}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(
            SOURCE,
            "ExternalArtifact",
            {
                "sourceRef": {
                    "apiVersion": "source.extensions.fluxcd.io/v1beta1",
                    "kind": "ArtifactGenerator",
                    "name": "podinfo",
                }
            },
        ),
        {},
    ),
    (
        sample(
            "source.extensions.fluxcd.io/v1beta1",
            "ArtifactGenerator",
            {
                "sources": [{"alias": "backend", "kind": "GitRepository", "name": "backend"}],
                "artifacts": [
                    {"name": "backend", "copy": [{"from": "@backend/deploy/**", "to": "@artifact/", "optional": False}]}
                ],
            },
        ),
        {},
    ),
    (
        sample(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            {
                "interval": "10m",
                "path": "./kustomize",
                "prune": True,
                "sourceRef": {"kind": "GitRepository", "name": "podinfo"},
            },
        ),
        {"spec": {"force": False, "prune": True}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(
            "helm.toolkit.fluxcd.io/v2",
            "HelmRelease",
            {
                "interval": "10m",
                "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}},
            },
        ),
        {"status": OBSERVED_MINUS_ONE},  # Flux 2.10 dropped the chart template's schema defaults
    ),
    (
        sample(
            "notification.toolkit.fluxcd.io/v1",
            "Provider",
            {"type": "slack", "channel": "general", "address": "https://slack.com/api/chat.postMessage"},
        ),
        {"spec": {"type": "slack"}},
    ),
    (
        sample(
            "notification.toolkit.fluxcd.io/v1",
            "Alert",
            {"providerRef": {"name": "slack"}, "eventSources": [{"kind": "Kustomization", "name": "*"}]},
        ),
        {"spec": {"eventSeverity": "info"}},
    ),
    (
        sample(
            "notification.toolkit.fluxcd.io/v1",
            "Receiver",
            {
                "type": "github",
                "events": ["ping", "push"],
                "secretRef": {"name": "receiver-token"},
                "resources": [{"kind": "GitRepository", "name": "webapp"}],
            },
        ),
        {"spec": {"interval": "10m"}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(
            "image.toolkit.fluxcd.io/v1", "ImageRepository", {"image": "ghcr.io/stefanprodan/podinfo", "interval": "1h"}
        ),
        {"spec": {"provider": "generic", "exclusionList": [r"^.*\.sig$"]}, "status": OBSERVED_MINUS_ONE},
    ),
    (
        sample(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            {"imageRepositoryRef": {"name": "podinfo"}, "policy": {"numerical": {}}},
        ),
        {
            "spec": {"digestReflectionPolicy": "Never", "policy": {"numerical": {"order": "asc"}}},
            "status": OBSERVED_MINUS_ONE,
        },
    ),
    (
        sample(
            "image.toolkit.fluxcd.io/v1",
            "ImageUpdateAutomation",
            {
                "interval": "30m",
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                "git": {"commit": {"author": {"email": "fluxcdbot@users.noreply.github.com", "name": "fluxcdbot"}}},
            },
        ),
        {"spec": {"update": {"strategy": "Setters"}}, "status": OBSERVED_MINUS_ONE},
    ),
]


def contains(stored: Any, expected: Any) -> bool:
    """True when every key and value of `expected` is in `stored` (lists and scalars compare whole)."""
    if isinstance(expected, dict):
        return isinstance(stored, dict) and all(k in stored and contains(stored[k], v) for k, v in expected.items())
    return bool(stored == expected)


def test_every_crd_is_established_with_its_names_accepted(flux_crds: list[Manifest]) -> None:
    assert len(flux_crds) == len(KINDS) == 15
    for obj in flux_crds:
        assert condition_true(obj, "NamesAccepted"), obj["metadata"]["name"]
        assert obj["status"]["acceptedNames"]["kind"] == obj["spec"]["names"]["kind"]


@pytest.mark.parametrize(("manifest", "expected"), SAMPLES, ids=[m["kind"] for m, _ in SAMPLES])
async def test_flux_sample_is_stored_with_flux_defaults(
    flux_crds: list[Manifest], kube: Kube, namespace: str, manifest: Manifest, expected: Manifest
) -> None:
    obj = copy.deepcopy(manifest)
    obj["metadata"]["namespace"] = namespace
    await kube.create(obj)
    stored = await kube.get(ObjectRef.of(obj))
    assert contains(stored, expected), stored
    for key, value in manifest["spec"].items():
        assert contains(stored["spec"][key], value), key
    if "status" not in expected:
        assert "status" not in stored


def test_samples_cover_every_kind() -> None:
    assert sorted(m["kind"] for m, _ in SAMPLES) == sorted(model.__name__ for model in KINDS)


GIT = SAMPLES[0][0]


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        pytest.param(
            {**GIT["spec"], "url": "ftp://example.com/repo"}, "spec.url", "should match", id="url-scheme-pattern"
        ),
        pytest.param({**GIT["spec"], "interval": "soon"}, "spec.interval", "should match", id="bad-duration"),
        pytest.param({**GIT["spec"], "timeout": "1h"}, "spec.timeout", "should match", id="timeout-without-hours"),
        pytest.param({**GIT["spec"], "provider": "gitlab"}, "spec.provider", "Unsupported value", id="enum"),
        pytest.param({"interval": "1m"}, "spec.url", "Required value", id="missing-url"),
        pytest.param(
            {**GIT["spec"], "serviceAccountName": "robot"},
            "spec",
            "serviceAccountName can only be set when provider is 'azure' or 'aws'",
            id="cel-rule",
        ),
    ],
)
async def test_invalid_git_repository_is_refused_naming_the_field(
    flux_crds: list[Manifest], kube: Kube, namespace: str, spec: Manifest, field: str, words: str
) -> None:
    obj = sample(SOURCE, "GitRepository", spec, name="invalid")
    obj["metadata"]["namespace"] = namespace
    with pytest.raises(Invalid) as refused:
        await kube.create(obj)
    assert field in refused.value.message
    assert words in refused.value.message
    with pytest.raises(NotFound):
        await kube.get(ObjectRef.of(obj))


async def test_kustomization_kubeconfig_cel_rule_refuses_both_references(
    flux_crds: list[Manifest], kube: Kube, namespace: str
) -> None:
    spec = {
        **SAMPLES[7][0]["spec"],
        "kubeConfig": {"secretRef": {"name": "kc"}, "configMapRef": {"name": "kc"}},
    }
    obj = sample("kustomize.toolkit.fluxcd.io/v1", "Kustomization", spec, name="both")
    obj["metadata"]["namespace"] = namespace
    with pytest.raises(Invalid, match=r"spec\.kubeConfig.*exactly one of"):
        await kube.create(obj)


def test_kubectl_explain_shows_reflow_description(flux_crds: list[Manifest], kubeconfig: Path, tmp_path: Path) -> None:
    git = next(obj for obj in flux_crds if obj["spec"]["names"]["kind"] == "GitRepository")
    spec = git["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    description = spec["properties"]["url"]["description"]
    kubectl = Path(sys.executable).parent / "kubectl"
    explained = subprocess.run(
        [
            str(kubectl),
            "--kubeconfig",
            str(kubeconfig),
            "--cache-dir",
            str(tmp_path),
            "explain",
            "gitrepository.spec.url",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert explained.returncode == 0, explained.stderr
    assert "GROUP:      source.toolkit.fluxcd.io" in explained.stdout
    assert " ".join(description.split()) in " ".join(explained.stdout.split())


async def test_v1beta3_alert_is_served_as_v1_and_its_deprecated_summary_is_pruned_at_storage(
    flux_crds: list[Manifest], kube: Kube, namespace: str
) -> None:
    spec = {"providerRef": {"name": "slack"}, "eventSources": [{"kind": "GitRepository", "name": "*"}]}
    old = sample("notification.toolkit.fluxcd.io/v1beta3", "Alert", {**spec, "summary": "prod"}, name="old")
    old["metadata"]["namespace"] = namespace
    await kube.create(old)
    as_v1 = await kube.get(ObjectRef("notification.toolkit.fluxcd.io/v1", "Alert", "old", namespace))
    as_v1beta3 = await kube.get(ObjectRef("notification.toolkit.fluxcd.io/v1beta3", "Alert", "old", namespace))
    assert as_v1["apiVersion"] == "notification.toolkit.fluxcd.io/v1"
    assert as_v1["spec"] == {**spec, "eventSeverity": "info"}
    assert as_v1beta3["spec"] == as_v1["spec"]


OCI_CHART = {"kind": "OCIRepository", "spec": {"url": "oci://registry.example/charts/podinfo"}}


@pytest.mark.parametrize(
    ("chart", "words"),
    [
        pytest.param({"kind": "OCIRepository", "spec": {}}, "chart.spec.url must be set", id="oci-without-url"),
        pytest.param(
            {"spec": {"url": "oci://registry.example/podinfo"}}, "requires chart.kind: 'OCIRepository'", id="url-alone"
        ),
        pytest.param(
            {"spec": {"chart": "podinfo"}},
            "chart.spec.chart and chart.spec.sourceRef must be set",
            id="helmchart-without-source",
        ),
        pytest.param(
            {**OCI_CHART, "spec": {**OCI_CHART["spec"], "version": "1.x"}},
            "chart.spec.version cannot be set",
            id="oci-with-version",
        ),
        pytest.param(
            {**OCI_CHART, "spec": {**OCI_CHART["spec"], "valuesFiles": ["a.yaml"]}},
            "chart.spec.valuesFiles cannot be set",
            id="oci-with-values-files",
        ),
    ],
)
async def test_helmrelease_chart_template_rules_keep_each_kind_to_its_fields(
    flux_crds: list[Manifest], kube: Kube, namespace: str, chart: Manifest, words: str
) -> None:
    obj = sample("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"interval": "10m", "chart": chart}, name="invalid")
    obj["metadata"]["namespace"] = namespace
    with pytest.raises(Invalid) as refused:
        await kube.create(obj)
    assert words in refused.value.message


async def test_helmrelease_oci_chart_template_is_accepted(
    flux_crds: list[Manifest], kube: Kube, namespace: str
) -> None:
    obj = sample("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"interval": "10m", "chart": OCI_CHART}, name="oci")
    obj["metadata"]["namespace"] = namespace
    await kube.create(obj)
    stored = await kube.get(ObjectRef.of(obj))
    assert stored["spec"]["chart"] == OCI_CHART
