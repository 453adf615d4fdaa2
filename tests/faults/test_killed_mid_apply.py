"""A controller process killed (SIGKILL) halfway through applying 500 objects: a new one converges exactly."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for, wait_for_items
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo

pytestmark = pytest.mark.faults

OBJECTS = 500
KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"
OWNER = "kustomize.toolkit.fluxcd.io/name=app"


def config_maps(namespace: str, count: int, version: str) -> str:
    return "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: {namespace}\n"
        f"data:\n  version: {version}\n"
        for i in range(count)
    )


@asynccontextmanager
async def controllers(kubeconfig: Path, namespace: str, tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`reflow controllers` as its own process, applying one object at a time so a kill lands mid-apply."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reflow", "controllers", "--controllers=source,kustomize", "--concurrent-ssa=1",
        "--watch-all-namespaces=false", "-n", namespace, "--kubeconfig", str(kubeconfig),
        "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0",
        "--storage-path", str(tmp_path / "artifacts"), "--log-file", str(tmp_path / "controllers.log"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=60)


def applied(revision: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        ready = condition(obj, "Ready") or {}
        return ready.get("status") == "True" and ready.get("message") == f"Applied revision: {revision}"

    return check


async def owned(kube: Kube, namespace: str) -> dict[str, Manifest]:
    listed = await kube.list_whole("v1", "ConfigMap", namespace, label_selector=OWNER)
    return {item["metadata"]["name"]: item for item in listed["items"]}


async def test_a_new_process_finishes_a_killed_apply_without_recreating_or_pruning_what_stays(
    kube: Kube, kubeconfig: Path, namespace: str, flux_crds: list[object], git_http: GitHttpServer,
    make_repo: Callable[[], Repo], tmp_path: Path,
) -> None:  # fmt: skip
    repo = make_repo()
    first = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(namespace, OBJECTS // 2, 'one')}, 'half')}"
    password = base64.b64encode((git_http.password or "").encode()).decode()
    user = base64.b64encode(GIT_USERNAME.encode()).decode()
    await kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git", "namespace": namespace},
                       "data": {"username": user, "password": password}})  # fmt: skip
    await kube.create({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {"url": git_http.url(repo.bare.name), "interval": "1h", "ref": {"branch": "main"},
                 "secretRef": {"name": "git"}},
    })  # fmt: skip
    await kube.create({
        "apiVersion": KUSTOMIZE, "kind": "Kustomization", "metadata": {"name": "app", "namespace": namespace},
        "spec": {"interval": "1h", "prune": True, "path": "./deploy",
                 "sourceRef": {"kind": "GitRepository", "name": "app"}},
    })  # fmt: skip
    ks = ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace)

    async with controllers(kubeconfig, namespace, tmp_path / "first") as process:
        await wait_for(kube, ks, applied(first), timeout=120, what="applied")
        second = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(namespace, OBJECTS, 'two')}, 'all')}"
        source = ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "app", namespace)
        await kube.patch(source, {"metadata": {"annotations": {REQUESTED_AT: "second"}}})

        def halfway(items: list[Manifest]) -> bool:
            return sum((item.get("data") or {}).get("version") == "two" for item in items) >= 20

        await wait_for_items(kube, "v1", "ConfigMap", namespace, halfway, timeout=120, what="halfway applied")
        process.send_signal(signal.SIGKILL)
        await process.wait()
    before = await owned(kube, namespace)
    done_before = sum(item["data"]["version"] == "two" for item in before.values())
    assert done_before < OBJECTS, "the apply finished before the kill: nothing was interrupted"

    async with controllers(kubeconfig, namespace, tmp_path / "second"):
        done = await wait_for(kube, ks, applied(second), timeout=180, what="applied after the restart")
    assert done is not None

    after = await owned(kube, namespace)
    assert sorted(after) == sorted(f"cm-{i}" for i in range(OBJECTS))
    assert {item["data"]["version"] for item in after.values()} == {"two"}
    recreated = [name for name, item in before.items() if after[name]["metadata"]["uid"] != item["metadata"]["uid"]]
    assert recreated == []
    entries = done["status"]["inventory"]["entries"]
    assert sorted(entry["id"] for entry in entries) == sorted(f"{namespace}_cm-{i}__ConfigMap" for i in range(OBJECTS))
