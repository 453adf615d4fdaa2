"""Post-renderers: Flux's digests of `spec.postRenderers` and `spec.commonMetadata`, the kustomizations that
apply them, Flux's origin labels, and which hooks they see (`spec.postRenderStrategy`).

Helm 4 post-renders through a plugin (`postrenderer/v1`); each helm call gets its own plugin folder
with one plugin that runs `python -m reflow.engines.helm.postrenderer <settings.json>`, which reads
the rendered manifests on stdin and writes them back patched, step after step, with `kubectl
kustomize`, then given the common metadata and labelled with the HelmRelease. A kustomization holds
only the manifests and inline patches and images: nothing else is read.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reflow.api.helm import HelmReleaseSpec, PostRenderer
from reflow.api.meta import CommonMetadata
from reflow.api.wire import render
from reflow.engines.build.kustomize import kubectl_path
from reflow.engines.helm.postrenderer import RESOURCES
from reflow.kube.privatefile import write_private

PLUGIN = "reflow-postrender"
HELM_GROUP = "helm.toolkit.fluxcd.io"


def go_json(value: object) -> str:
    """JSON as Go's encoder writes it: compact, UTF-8, with `<`, `>`, `&` and line separators escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(char, escaped)
    return text


def digest(post_renderers: Sequence[PostRenderer]) -> str:
    """Flux's `observedPostRenderersDigest`: sha256 of the post-renderers' JSON (with Go's trailing newline)."""
    encoded = go_json([render(step) for step in post_renderers]) if post_renderers else "null"
    return "sha256:" + hashlib.sha256((encoded + "\n").encode()).hexdigest()


def common_metadata_digest(metadata: CommonMetadata | None) -> str | None:
    """Flux's `observedCommonMetadataDigest`: sha256 of the metadata's JSON as Go encodes it; None without any."""
    if metadata is None:
        return None
    encoded = {key: dict(sorted(value.items())) for key, value in
               (("annotations", metadata.annotations), ("labels", metadata.labels)) if value}  # fmt: skip
    return "sha256:" + hashlib.sha256((go_json(encoded) + "\n").encode()).hexdigest()


def strategy(spec: HelmReleaseSpec, helm3_defaults: bool) -> str:
    """Which hooks the post-renderers see: the spec's choice, else Helm 4's `combined` (`nohooks` with Helm 3's
    defaults)."""
    return spec.post_render_strategy or ("nohooks" if helm3_defaults else "combined")


def kustomizations(post_renderers: Sequence[PostRenderer]) -> tuple[dict[str, Any], ...]:
    """One kustomization per post-renderer with kustomize settings, in order."""
    steps: list[dict[str, Any]] = []
    for step in post_renderers:
        if step.kustomize is None:
            continue
        document: dict[str, Any] = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [RESOURCES],
        }
        if step.kustomize.patches:
            document["patches"] = [render(patch) for patch in step.kustomize.patches]
        if step.kustomize.images:
            document["images"] = [render(image) for image in step.kustomize.images]
        steps.append(document)
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class PostRender:
    """What the plugin does to the rendered manifests: kustomizations in order, then the common metadata, then
    the origin labels on every object; `strategy` says which hooks get the same."""

    kustomizations: tuple[Mapping[str, Any], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    common: CommonMetadata | None = None
    strategy: str = "combined"

    def __bool__(self) -> bool:
        return bool(self.kustomizations or self.labels or self.common)


def origin_labels(namespace: str, name: str) -> dict[str, str]:
    """Flux's origin labels: the HelmRelease that released an object."""
    return {f"{HELM_GROUP}/name": name, f"{HELM_GROUP}/namespace": namespace}


def install_plugin(plugins: Path, post_render: PostRender) -> None:
    """Write the post-render plugin and its settings into `plugins` (a helm call's private `HELM_PLUGINS`)."""
    folder = plugins / PLUGIN
    folder.mkdir(parents=True, mode=0o700)
    settings = {
        "kubectl": str(kubectl_path()),
        "kustomizations": [dict(step) for step in post_render.kustomizations],
        "labels": dict(post_render.labels),
        "commonLabels": dict(post_render.common.labels) if post_render.common else {},
        "commonAnnotations": dict(post_render.common.annotations) if post_render.common else {},
        "strategy": post_render.strategy,
    }
    config = write_private(folder / "settings.json", json.dumps(settings))
    plugin = {
        "apiVersion": "v1",
        "type": "postrenderer/v1",
        "name": PLUGIN,
        "version": "1.0.0",
        "runtime": "subprocess",
        "runtimeConfig": {
            "platformCommand": [
                {"command": sys.executable, "args": ["-m", "reflow.engines.helm.postrenderer", str(config)]}
            ]
        },
    }
    write_private(folder / "plugin.yaml", yaml.safe_dump(plugin, sort_keys=False))
