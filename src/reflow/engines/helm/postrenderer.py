"""The post-render plugin's process: manifests on stdin, the kustomize steps then Flux's origin labels applied,
the result on stdout.

It runs once per helm install or upgrade, so it imports nothing of reflow beyond this module: its
settings (kubectl's path, the steps, the labels) come in a JSON file the controller wrote.
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


def labelled(manifests: str, labels: dict[str, str]) -> str:
    """Every object with `labels` added to its metadata (Flux's origin labels)."""
    documents = [doc for doc in yaml.safe_load_all(manifests) if isinstance(doc, dict)]
    for doc in documents:
        metadata = doc.setdefault("metadata", {})
        metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
    return yaml.safe_dump_all(documents, sort_keys=False)


def post_render(manifests: str, settings: dict[str, Any]) -> str:
    for step in settings.get("kustomizations") or []:
        manifests = kustomize(manifests, step, settings["kubectl"])
    if settings.get("labels"):
        manifests = labelled(manifests, settings["labels"])
    return manifests


def main() -> None:
    settings = json.loads(Path(sys.argv[1]).read_text())
    sys.stdout.write(post_render(sys.stdin.read(), settings))


if __name__ == "__main__":
    main()
