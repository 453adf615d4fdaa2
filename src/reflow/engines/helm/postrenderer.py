"""The post-render plugin's process: manifests on stdin, each kustomization step applied, the result on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from reflow.engines.build.kustomize import kubectl_path
from reflow.engines.helm.postrender import RESOURCES

TIMEOUT = 120.0


def apply_steps(manifests: str, steps: list[dict[str, object]]) -> str:
    """The manifests after every step, each one a `kubectl kustomize` of a folder holding them and the step."""
    for step in steps:
        with tempfile.TemporaryDirectory(prefix="reflow-postrender-") as folder:
            root = Path(folder)
            (root / RESOURCES).write_text(manifests)
            (root / "kustomization.yaml").write_text(yaml.safe_dump(step, sort_keys=False))
            done = subprocess.run(
                [str(kubectl_path()), "kustomize", str(root)],
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
                env={"HOME": folder, "PATH": "/usr/bin:/bin"},
            )
            if done.returncode != 0:
                raise SystemExit(f"post-render failed: {done.stderr.decode(errors='replace').strip()}")
            manifests = done.stdout.decode()
    return manifests


def main() -> None:
    steps = json.loads(Path(sys.argv[1]).read_text())
    sys.stdout.write(apply_steps(sys.stdin.read(), steps))


if __name__ == "__main__":
    main()
