"""Post-renderer digests and kustomizations, with plain data."""

from __future__ import annotations

from reflow.api.helm import PostRenderer
from reflow.api.wire import parse
from reflow.engines.helm.postrender import digest, go_json, kustomizations

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
