"""The docs site builds with `mkdocs build --strict`, warning-free, with the parts rendered from the code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_site_builds_strictly_with_the_generated_reference(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr
    cli = (site / "reference" / "cli" / "index.html").read_text()
    assert "reflow create source git" in cli
    assert "reflow:cli-reference" not in cli
    assert "--no-cross-namespace-refs" in (site / "manual" / "controllers" / "index.html").read_text()
    assert "gotk_reconcile_condition" in (site / "manual" / "metrics" / "index.html").read_text()
    assert 'class="mermaid"' in (site / "end-to-end" / "index.html").read_text()
