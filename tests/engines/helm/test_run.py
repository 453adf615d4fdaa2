"""What a helm process is given: credentials in owner-only files of a private folder, never on its command line,
and an environment built from scratch; the folder is gone afterwards.

helm is stood in for by a probe script that reports what it was given, since helm itself cannot show its argv;
reflow's own helm build answers whether it can keep release records apart.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest

from reflow.dev.gobuild import binary
from reflow.engines.helm.run import Helm, HelmFailed, Target

PROBE = """#!/bin/sh
folder="$HOME"
{
  printf '%s\\n' "$@" > "$REPORT.argv"
  env > "$REPORT.env"
  stat -c '%a %n' "$folder" "$folder"/kubeconfig "$folder"/values.yaml > "$REPORT.modes"
  cat "$folder"/kubeconfig > "$REPORT.kubeconfig"
  cat "$folder"/values.yaml > "$REPORT.values"
  pwd > "$REPORT.cwd"
} 2>"$REPORT.err"
"""
TOKEN = "kubeconfig-token-4f1d9a"
PASSWORD = "values-password-77c2e0"


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    script = tmp_path / "helm"
    report = tmp_path / "report"
    script.write_text(PROBE.replace("$REPORT", str(report)))
    script.chmod(0o755)
    return report


async def test_credentials_reach_helm_in_private_files_only_and_the_folder_is_removed(
    probe: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTROLLER_SECRET", "never-for-helm")
    helm = Helm(probe.with_name("helm"))
    kubeconfig = f"apiVersion: v1\nkind: Config\nusers: [{{name: u, user: {{token: {TOKEN}}}}}]\n"
    await helm.run(
        ["upgrade", "--install", "web", "chart.tgz"],
        Target(kubeconfig=kubeconfig, namespace="apps"),
        values={"db": {"password": PASSWORD}},
        timeout=30,
    )
    argv = probe.with_suffix(".argv").read_text()
    assert TOKEN not in argv
    assert PASSWORD not in argv
    assert "--kubeconfig" in argv
    assert "--values" in argv
    modes = dict(reversed(line.split(" ", 1)) for line in probe.with_suffix(".modes").read_text().splitlines())
    folder = probe.with_suffix(".cwd").read_text().strip()
    assert folder.startswith("/")
    assert modes == {folder: "700", f"{folder}/kubeconfig": "600", f"{folder}/values.yaml": "600"}
    assert TOKEN in probe.with_suffix(".kubeconfig").read_text()
    assert json.loads(probe.with_suffix(".values").read_text()) == {"db": {"password": PASSWORD}}
    env = probe.with_suffix(".env").read_text()
    assert "CONTROLLER_SECRET" not in env
    assert f"HOME={folder}" in env
    assert not await asyncio.to_thread(Path(folder).exists)


async def test_a_failing_helm_says_what_helm_said(probe: Path, tmp_path: Path) -> None:
    failing = tmp_path / "failing-helm"
    failing.write_text("#!/bin/sh\necho 'Error: release web failed: nope' >&2\nexit 1\n")
    failing.chmod(0o755)
    with pytest.raises(HelmFailed, match="release web failed: nope"):
        await Helm(failing).run(["status", "web"], Target(kubeconfig="", namespace="apps"), timeout=30)


async def test_records_kept_apart_reach_reflows_helm_build_in_its_variable() -> None:
    helm = Helm(binary("helm"))
    assert await helm.separates_storage()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "env"
        helm.binary = Path(folder) / "helm"
        helm.binary.write_text(f"#!/bin/sh\nenv > {report}\n")
        helm.binary.chmod(0o755)
        await helm.run(["status", "web"], Target(kubeconfig="", namespace="apps", storage_namespace="flux"), timeout=30)
        assert "REFLOW_HELM_STORAGE_NAMESPACE=flux" in report.read_text()
        await helm.run(["status", "web"], Target(kubeconfig="", namespace="apps", storage_namespace="apps"), timeout=30)
        assert "REFLOW_HELM_STORAGE_NAMESPACE" not in report.read_text()


async def test_a_helm_that_cannot_keep_records_apart_is_never_asked_to(probe: Path) -> None:
    helm = Helm(probe.with_name("helm"))
    assert not await helm.separates_storage()
    with pytest.raises(HelmFailed, match="cannot keep release records in another namespace \\(flux\\)"):
        await helm.run(["status", "web"], Target(kubeconfig="", namespace="apps", storage_namespace="flux"), timeout=30)
    assert probe.with_suffix(".argv").read_text().split() == ["reflow-features"]
