"""Post-renderer digests and kustomizations, with plain data."""

from __future__ import annotations

import yaml

from reflow.api.helm import PostRenderer
from reflow.api.wire import parse
from reflow.engines.helm.postrender import digest, go_json, kustomizations, origin_labels
from reflow.engines.helm.postrenderer import labelled

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
    [doc] = list(yaml.safe_load_all(labelled(manifests, origin_labels("apps", "web"))))
    assert doc["metadata"]["labels"] == {
        "app": "x", "helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": "apps"
    }  # fmt: skip
