"""`reflow controllers` as a process: reconciles, logs JSON lines with Flux's keys, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from reflow.api.conditions import condition_true
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo


def is_ready(obj: dict | None) -> bool:  # type: ignore[type-arg]
    return condition_true(obj, "Ready")


async def test_the_manager_process_reconciles_logs_and_stops_on_sigterm(
    kube: Kube,
    kubeconfig: Path,
    namespace: str,
    flux_crds: list[object],
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
) -> None:
    repo = make_repo()
    commit = repo.commit({"a.yaml": "a: 1\n"}, "one")
    log_file = tmp_path / "controllers.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reflow", "controllers", "--controllers=source,kustomize",
        "--watch-all-namespaces=false", "-n", namespace, "--kubeconfig", str(kubeconfig),
        "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0",
        "--storage-path", str(tmp_path / "artifacts"), "--log-file", str(log_file),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    try:
        password = base64.b64encode((git_http.password or "").encode()).decode()
        await kube.create(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "git", "namespace": namespace},
                "data": {"username": base64.b64encode(GIT_USERNAME.encode()).decode(), "password": password},
            }
        )
        await kube.create({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "app", "namespace": namespace},
            "spec": {"url": git_http.url(repo.bare.name), "interval": "1h", "ref": {"branch": "main"},
                     "secretRef": {"name": "git"}},
        })  # fmt: skip
        ref = ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "app", namespace)
        ready = await wait_for(kube, ref, is_ready, timeout=60, what="Ready")
        assert ready is not None
        assert ready["status"]["artifact"]["revision"] == f"main@sha1:{commit}"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()[-2000:]
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    reconciled = [line for line in lines if line.get("controllerKind") == "GitRepository" and line.get("name") == "app"]
    assert reconciled
    assert {"ts", "level", "logger", "msg", "controller", "namespace", "name", "reconcileID"} <= set(reconciled[0])
    assert any(line["msg"] == "manager stopped" for line in lines)
