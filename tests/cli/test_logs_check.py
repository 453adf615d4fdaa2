"""`reflow logs` (from a local controllers' log file, and the Pod path's clear failure) and `reflow check`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reflow.api.meta import ObjectRef
from reflow.cli.check import crd_names
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.cli.runner import Reflow, lines
from tests.cli.streaming import streaming
from tests.manifests import available, deployment


def log_line(minutes_ago: float, level: str, kind: str, name: str, namespace: str, msg: str) -> str:
    ts = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    entry = {
        "ts": ts,
        "level": level,
        "logger": "reflow.runtime.controller",
        "msg": msg,
        "controllerKind": kind,
        "name": name,
        "namespace": namespace,
    }
    return json.dumps(entry) + "\n"


def write_log(path: Path) -> None:
    path.write_text(
        log_line(30, "info", "GitRepository", "repo", "flux-system", "stored artifact for commit 'one'")
        + "not json: a panic trace line\n"
        + log_line(20, "error", "Kustomization", "apps", "flux-system", "kustomize build failed")
        + log_line(10, "info", "Kustomization", "apps", "flux-system", "applied revision main@sha1:1")
        + log_line(5, "info", "Kustomization", "apps", "other", "applied revision main@sha1:2")
    )


async def test_logs_from_a_file_are_filtered_by_kind_name_and_namespace(reflow: Reflow, tmp_path: Path) -> None:
    write_log(tmp_path / "controllers.log")
    result = await reflow(
        "logs",
        "--log-file",
        str(tmp_path / "controllers.log"),
        "--kind",
        "kustomization",
        "--name",
        "apps",
        "-n",
        "flux-system",
        namespaced=False,
    )
    assert result.code == 0, result.stderr
    got = lines(result.stdout)
    assert [line.split(" ", 1)[1] for line in got] == [
        "error Kustomization/apps.flux-system - kustomize build failed",
        "info Kustomization/apps.flux-system - applied revision main@sha1:1",
    ]


async def test_logs_level_tail_since_and_all_namespaces(reflow: Reflow, tmp_path: Path) -> None:
    path = tmp_path / "controllers.log"
    write_log(path)
    run = lambda *args: reflow("logs", "--log-file", str(path), *args, namespaced=False)  # noqa: E731
    assert [line.split()[1] for line in lines((await run("--level", "error")).stdout)] == ["error"]
    tail = lines((await run("-A", "--tail", "2")).stdout)
    assert [line.rsplit(" - ", 1)[1] for line in tail] == [
        "applied revision main@sha1:1",
        "applied revision main@sha1:2",
    ]
    recent = lines((await run("-A", "--since", "15m")).stdout)
    assert len(recent) == 2


async def test_logs_follow_prints_lines_appended_later(tmp_path: Path) -> None:
    path = tmp_path / "controllers.log"
    write_log(path)
    async with streaming("logs", "--log-file", str(path), "--follow", "--timeout", "5s", "-A") as following:
        await following.line(lambda line: line.endswith("main@sha1:2"))  # the whole file is printed; now it follows
        with path.open("a") as handle:
            handle.write(log_line(0, "info", "GitRepository", "late", "flux-system", "fetched a new revision"))
        late = await following.line(lambda line: "late" in line)
        code, stderr = await following.exit_code()
    assert late.endswith("GitRepository/late.flux-system - fetched a new revision")
    assert len(following.lines) == 5
    assert code == 0, stderr


async def test_logs_of_a_missing_file_and_of_a_cluster_without_controllers(
    reflow: Reflow, tmp_path: Path, namespace: str
) -> None:
    missing = await reflow("logs", "--log-file", str(tmp_path / "none.log"), namespaced=False)
    assert missing.code == 1
    assert "cannot read the log file" in missing.stderr
    pods = await reflow("logs", "--flux-namespace", namespace)
    assert pods.code == 1
    assert f"no controller Pods (app.kubernetes.io/part-of=flux) found in {namespace} namespace" in pods.stderr


async def test_check_pre_accepts_the_plane_kubernetes_version(reflow: Reflow) -> None:
    result = await reflow("check", "--pre")
    assert result.code == 0, result.stderr
    assert ">=1.33.0-0" in result.stderr
    assert "prerequisites checks passed" in result.stderr


async def test_check_passes_with_ready_controllers_and_established_crds(
    reflow: Reflow, kube: Kube, namespace: str, crds: None
) -> None:
    missing = await reflow("check")
    assert missing.code == 1
    assert "source-controller: deployment not found" in missing.stderr
    for name in ("source-controller", "kustomize-controller"):
        await kube.create(deployment(namespace, name, container="manager"))
        await wait_for(
            kube, ObjectRef("apps/v1", "Deployment", name, namespace), available, timeout=60, what="Available"
        )
    result = await reflow("check", "--components", "source-controller,kustomize-controller")
    assert result.code == 0, result.stderr
    assert "source-controller: deployment ready" in result.stderr
    assert "gitrepositories.source.toolkit.fluxcd.io/v1" in result.stderr
    assert "kustomizations.kustomize.toolkit.fluxcd.io/v1" in result.stderr
    assert "all checks passed" in result.stderr


async def test_check_knows_the_ui_as_an_extra_component(reflow: Reflow, kube: Kube, namespace: str, crds: None) -> None:
    assert crd_names(["ui"]) == []  # the UI serves no kind of its own
    missing = await reflow("check", "--components", "source-controller", "--components-extra", "ui")
    assert missing.code == 1
    assert "ui: deployment not found" in missing.stderr
    for name in ("source-controller", "ui"):
        await kube.create(deployment(namespace, name, container="manager"))
        await wait_for(
            kube, ObjectRef("apps/v1", "Deployment", name, namespace), available, timeout=60, what="Available"
        )
    result = await reflow("check", "--components", "source-controller", "--components-extra", "ui")
    assert result.code == 0, result.stderr
    assert "ui: deployment ready" in result.stderr
    assert "all checks passed" in result.stderr
    assert "source-watcher, ui." in " ".join((await reflow("check", "--help")).stdout.split())
