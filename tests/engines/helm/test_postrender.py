"""Post-renderer digests, kustomizations, common metadata and hook strategies, with plain data (and kubectl)."""

from __future__ import annotations

import hashlib

import pytest
import yaml

from reflow.api.helm import HelmReleaseSpec, PostRenderer
from reflow.api.meta import CommonMetadata
from reflow.api.wire import parse
from reflow.engines.build.kustomize import kubectl_path
from reflow.engines.helm.postrender import (
    common_metadata_digest,
    digest,
    go_json,
    kustomizations,
    origin_labels,
    strategy,
)
from reflow.engines.helm.postrenderer import post_render, with_metadata

STEP = {"kustomize": {"patches": [{"patch": "a: <b>", "target": {"kind": "Deployment"}}],
                      "images": [{"name": "app", "newTag": "2"}]}}  # fmt: skip


def test_go_json_escapes_as_gos_encoder() -> None:
    assert go_json({"a": "<&>", "b": "é"}) == '{"a":"\\u003c\\u0026\\u003e","b":"é"}'


def test_digest_follows_the_post_renderers() -> None:
    step = parse(PostRenderer, STEP)
    other = parse(PostRenderer, {"kustomize": {"images": [{"name": "app", "newTag": "3"}]}})
    assert digest([step]) == digest([parse(PostRenderer, STEP)])
    assert digest([step]) != digest([other])
    assert digest([step]).startswith("sha256:")


def test_kustomizations_hold_only_the_manifests_patches_and_images() -> None:
    [document] = kustomizations([parse(PostRenderer, STEP), PostRenderer()])
    assert document == {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["manifests.yaml"],
        "patches": [{"patch": "a: <b>", "target": {"kind": "Deployment"}}],
        "images": [{"name": "app", "newTag": "2"}],
    }


def test_origin_labels_go_on_every_object() -> None:
    manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app: x}\n---\n# empty\n"
    [doc] = list(yaml.safe_load_all(with_metadata(manifests, origin_labels("apps", "web"))))
    assert doc["metadata"]["labels"] == {
        "app": "x", "helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": "apps"
    }  # fmt: skip


def test_common_metadata_digest_is_the_sha256_of_gos_json_of_it() -> None:
    metadata = CommonMetadata(labels={"team": "b", "env": "c"}, annotations={"owner": "a"})
    encoded = '{"annotations":{"owner":"a"},"labels":{"env":"c","team":"b"}}\n'
    assert common_metadata_digest(metadata) == "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()
    assert common_metadata_digest(CommonMetadata()) == "sha256:" + hashlib.sha256(b"{}\n").hexdigest()
    assert common_metadata_digest(None) is None


def test_the_strategy_is_the_specs_else_helm_4s_else_helm_3s() -> None:
    def hr(**fields: object) -> HelmReleaseSpec:
        return parse(HelmReleaseSpec, {"interval": "1m", "chartRef": {"kind": "HelmChart", "name": "c"}, **fields})

    assert strategy(hr(), helm3_defaults=False) == "combined"
    assert strategy(hr(), helm3_defaults=True) == "nohooks"
    assert strategy(hr(postRenderStrategy="separate"), helm3_defaults=True) == "separate"


TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels: {team: chart}\ndata: {a: '1'}\n"
HOOK = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  annotations: {{helm.sh/hook: pre-install}}\n"
    "data: {{a: '1'}}\n"
)
PATCH = [{"patch": '[{"op": "add", "path": "/data/patched", "value": "yes"}]', "target": {"kind": "ConfigMap"}}]


def settings(strategy: str) -> dict[str, object]:
    return {
        "kubectl": str(kubectl_path()),
        "kustomizations": [{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                            "resources": ["manifests.yaml"], "patches": PATCH}],
        "commonLabels": {"team": "platform"},
        "commonAnnotations": {"owner": "ops"},
        "labels": origin_labels("apps", "web"),
        "strategy": strategy,
    }  # fmt: skip


def rendered(manifests: str, strategy: str) -> dict[tuple[str, bool], dict[str, object]]:
    """The output objects by (name, is it a hook)."""
    objects = yaml.safe_load_all(post_render(manifests, settings(strategy)))
    return {(o["metadata"]["name"], "helm.sh/hook" in o["metadata"].get("annotations", {})): o for o in objects if o}


@pytest.mark.parametrize("chosen", ["combined", "separate"])
def test_combined_and_separate_give_hooks_the_same_steps(chosen: str) -> None:
    objects = rendered(TEMPLATE + "---\n" + HOOK.format(name="setup"), chosen)
    for key in (("web", False), ("setup", True)):
        metadata = objects[key]["metadata"]
        assert objects[key]["data"] == {"a": "1", "patched": "yes"}
        assert metadata["labels"]["team"] == "platform"
        assert metadata["labels"]["helm.toolkit.fluxcd.io/name"] == "web"
        assert metadata["annotations"]["owner"] == "ops"


def test_nohooks_leaves_hooks_as_the_chart_rendered_them() -> None:
    objects = rendered(TEMPLATE + "---\n" + HOOK.format(name="setup"), "nohooks")
    assert objects[("web", False)]["data"] == {"a": "1", "patched": "yes"}
    assert objects[("setup", True)] == yaml.safe_load(HOOK.format(name="setup"))


def test_separate_lets_a_hook_share_a_templates_name_where_combined_cannot() -> None:
    manifests = TEMPLATE + "---\n" + HOOK.format(name="web")
    objects = rendered(manifests, "separate")
    assert objects[("web", True)]["data"] == objects[("web", False)]["data"] == {"a": "1", "patched": "yes"}
    with pytest.raises(SystemExit, match="post-render failed"):
        post_render(manifests, settings("combined"))


def test_origin_labels_win_over_common_labels() -> None:
    clash = {**settings("combined"), "kustomizations": [], "commonLabels": {"helm.toolkit.fluxcd.io/name": "other"}}
    [doc] = list(yaml.safe_load_all(post_render(TEMPLATE, clash)))
    assert doc["metadata"]["labels"]["helm.toolkit.fluxcd.io/name"] == "web"
