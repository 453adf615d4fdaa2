"""The post-render plugin's process: manifests on stdin; the kustomize steps, the common metadata and Flux's
origin labels applied; the result on stdout.

It runs once per helm install or upgrade, so it imports nothing of reflow beyond this module: its
settings (kubectl's path, the steps, the metadata, the hook strategy) come in a JSON file the controller
wrote. Helm 4 sends hooks in the same stream as the templates; the strategy decides what they get:
`combined` the same steps in one pass, `separate` the steps in a pass of their own, `nohooks` nothing
(Helm 3, which never showed hooks to a post-renderer).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

TIMEOUT = 120.0
RESOURCES = "manifests.yaml"
HOOK = "helm.sh/hook"
"""The annotation that makes a template a Helm hook."""


def kustomize(manifests: str, step: dict[str, Any], kubectl: str) -> str:
    """`kubectl kustomize` of a folder holding only the manifests and the step's kustomization."""
    with tempfile.TemporaryDirectory(prefix="reflow-postrender-") as folder:
        root = Path(folder)
        (root / RESOURCES).write_text(manifests)
        (root / "kustomization.yaml").write_text(yaml.safe_dump(step, sort_keys=False))
        done = subprocess.run(
            [kubectl, "kustomize", str(root)],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
            env={"HOME": folder, "PATH": "/usr/bin:/bin"},
        )
        if done.returncode != 0:
            raise SystemExit(f"post-render failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout.decode()


def documents(manifests: str) -> list[dict[str, Any]]:
    """The objects of a YAML stream; empty documents and comments dropped."""
    return [doc for doc in yaml.safe_load_all(manifests) if isinstance(doc, dict)]


def stream(objects: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(objects, sort_keys=False) if objects else ""


def with_metadata(manifests: str, labels: dict[str, str], annotations: dict[str, str] | None = None) -> str:
    """Every object with `labels` and `annotations` set in its metadata, overriding keys it already has."""
    objects = documents(manifests)
    for doc in objects:
        metadata = doc.setdefault("metadata", {})
        if labels:
            metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
        if annotations:
            metadata["annotations"] = {**(metadata.get("annotations") or {}), **annotations}
    return stream(objects)


def pipeline(manifests: str, settings: dict[str, Any]) -> str:
    """The steps in Flux's order: kustomizations, then common metadata, then origin labels (which win)."""
    if not documents(manifests):
        return manifests
    for step in settings.get("kustomizations") or []:
        manifests = kustomize(manifests, step, settings["kubectl"])
    common_labels, common_annotations = settings.get("commonLabels") or {}, settings.get("commonAnnotations") or {}
    if common_labels or common_annotations:
        manifests = with_metadata(manifests, common_labels, common_annotations)
    if settings.get("labels"):
        manifests = with_metadata(manifests, settings["labels"])
    return manifests


def is_hook(doc: dict[str, Any]) -> bool:
    return HOOK in ((doc.get("metadata") or {}).get("annotations") or {})


def post_render(manifests: str, settings: dict[str, Any]) -> str:
    strategy = settings.get("strategy") or "combined"
    if strategy == "combined":
        return pipeline(manifests, settings)
    objects = documents(manifests)
    hooks = stream([doc for doc in objects if is_hook(doc)])
    templates = pipeline(stream([doc for doc in objects if not is_hook(doc)]), settings)
    rendered_hooks = hooks if strategy == "nohooks" else pipeline(hooks, settings)
    return "---\n".join(part for part in (templates, rendered_hooks) if part)


def main() -> None:
    settings = json.loads(Path(sys.argv[1]).read_text())
    sys.stdout.write(post_render(sys.stdin.read(), settings))


if __name__ == "__main__":
    main()
