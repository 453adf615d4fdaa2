"""A local git work tree with a base and an overlay that refers to it, for local build and diff tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


def repository(root: Path) -> Path:
    """A git work tree laid out as podinfo's: `bases/app` and an overlay `deploy/overlays/dev` that refers to it."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "bases" / "app").mkdir(parents=True)
    (root / "bases" / "app" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    (root / "bases" / "app" / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    overlay = root / "deploy" / "overlays" / "dev"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("namePrefix: dev-\nresources:\n- ../../../bases/app\n")
    return overlay
