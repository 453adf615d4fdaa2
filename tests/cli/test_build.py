"""`reflow build kustomization` prints what the controller would apply, from a Kustomization file."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reflow.cli.main import cli
from tests.cli.repository import repository

KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: apps
spec:
  interval: 10m
  prune: true
  sourceRef: {kind: GitRepository, name: app}
  targetNamespace: web
  postBuild:
    substitute: {greeting: hello}
"""
ENC = "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    (tmp_path / "ks.yaml").write_text(KS)
    app = tmp_path / "app"
    app.mkdir()
    (app / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  msg: ${greeting}\n")
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "data": {"token": base64.b64encode(ENC.encode()).decode()},
        "sops": {"mac": ENC, "version": "3.11.0"},
    }
    (app / "secret.yaml").write_text(yaml.safe_dump(secret))
    return tmp_path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["build", "kustomization", *args])
    return result.exit_code, result.output


def test_dry_run_prints_substituted_labelled_and_masked_manifests(sources: Path) -> None:
    code, output = invoke(
        "app",
        "--path",
        str(sources / "app"),
        "--kustomization-file",
        str(sources / "ks.yaml"),
        "--dry-run",
        "-n",
        "apps",
    )
    assert code == 0, output
    configmap, secret = yaml.safe_load_all(output)
    assert configmap["data"] == {"msg": "hello"}
    assert configmap["metadata"]["namespace"] == "web"
    assert configmap["metadata"]["labels"] == {
        "kustomize.toolkit.fluxcd.io/name": "app",
        "kustomize.toolkit.fluxcd.io/namespace": "apps",
    }
    assert "sops" not in secret
    assert base64.b64decode(secret["data"]["token"]).decode() == "**SOPS**"


def test_dry_run_without_a_kustomization_file_is_refused(sources: Path) -> None:
    code, output = invoke("app", "--path", str(sources / "app"), "--dry-run")
    assert code == 1
    assert "--dry-run needs --kustomization-file" in output


def test_unknown_kustomization_name_is_reported(sources: Path) -> None:
    code, output = invoke(
        "other",
        "--path",
        str(sources / "app"),
        "--kustomization-file",
        str(sources / "ks.yaml"),
        "--dry-run",
        "-n",
        "apps",
    )
    assert code == 1
    assert "no Kustomization 'other'" in output


def test_build_failure_names_the_kustomization(sources: Path) -> None:
    (sources / "app" / "kustomization.yaml").write_text("resources:\n- /etc/passwd\n")
    code, output = invoke(
        "app",
        "--path",
        str(sources / "app"),
        "--kustomization-file",
        str(sources / "ks.yaml"),
        "--dry-run",
        "-n",
        "apps",
    )
    assert code == 1
    assert "Kustomization/apps/app: build failed" in output
    assert "absolute path" in output


def test_overlay_may_refer_to_bases_elsewhere_in_its_git_work_tree(sources: Path) -> None:
    overlay = repository(sources / "repo")
    code, output = invoke(
        "app", "--path", str(overlay), "--kustomization-file", str(sources / "ks.yaml"), "--dry-run", "-n", "apps"
    )
    assert code == 0, output
    assert [document["metadata"]["name"] for document in yaml.safe_load_all(output)] == ["dev-cm"]


def test_reference_out_of_the_git_work_tree_is_refused(sources: Path) -> None:
    overlay = repository(sources / "repo")
    (overlay / "kustomization.yaml").write_text("resources:\n- ../../../../app\n")  # sources/app: beside the tree
    code, output = invoke(
        "app", "--path", str(overlay), "--kustomization-file", str(sources / "ks.yaml"), "--dry-run", "-n", "apps"
    )
    assert code == 1
    assert "resources entry '../../../../app' leads outside" in output
