"""Running reflow's controllers as processes for fault tests, and the 500-object Kustomization they apply."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo

OBJECTS = 500
KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"
SOURCE = "source.toolkit.fluxcd.io/v1"
OWNER = "kustomize.toolkit.fluxcd.io/name=app"


def config_maps(namespace: str, count: int, version: str) -> str:
    return "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: {namespace}\n"
        f"data:\n  version: {version}\n"
        for i in range(count)
    )


@asynccontextmanager
async def controllers(
    kubeconfig: Path, namespace: str, folder: Path, *flags: str, names: str = "source,kustomize"
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`reflow controllers` (`names`) as its own process, applying one object at a time so a kill lands mid-apply.

    Every server it runs listens on a free loopback port."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reflow", "controllers", f"--controllers={names}", "--concurrent-ssa=1",
        "--watch-all-namespaces=false", "-n", namespace, "--kubeconfig", str(kubeconfig),
        "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0",
        "--events-listen-addr", "127.0.0.1:0", "--receiverAddr", "127.0.0.1:0", "--helm-binary", str(binary("helm")),
        "--storage-path", str(folder / "artifacts"), "--log-file", str(folder / "controllers.log"), *flags,
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


async def sync_from_git(kube: Kube, namespace: str, git_http: GitHttpServer, repo: Repo) -> ObjectRef:
    """A GitRepository for `repo` and a pruning Kustomization `app` of its `./deploy`; returns the Kustomization."""
    password = base64.b64encode((git_http.password or "").encode()).decode()
    user = base64.b64encode(GIT_USERNAME.encode()).decode()
    await kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git", "namespace": namespace},
                       "data": {"username": user, "password": password}})  # fmt: skip
    await kube.create({
        "apiVersion": SOURCE, "kind": "GitRepository", "metadata": {"name": "app", "namespace": namespace},
        "spec": {"url": git_http.url(repo.bare.name), "interval": "1h", "ref": {"branch": "main"},
                 "secretRef": {"name": "git"}},
    })  # fmt: skip
    await kube.create({
        "apiVersion": KUSTOMIZE, "kind": "Kustomization", "metadata": {"name": "app", "namespace": namespace},
        "spec": {"interval": "1h", "prune": True, "path": "./deploy",
                 "sourceRef": {"kind": "GitRepository", "name": "app"}},
    })  # fmt: skip
    return ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace)


def halfway(items: list[Manifest]) -> bool:
    """At least 20 ConfigMaps carry the second version: the apply is under way."""
    return sum((item.get("data") or {}).get("version") == "two" for item in items) >= 20


def converged(after: dict[str, Manifest], before: dict[str, Manifest], done: Manifest, namespace: str) -> None:
    """Exactly the 500 desired objects, at the new version, none recreated, all in the inventory."""
    assert sorted(after) == sorted(f"cm-{i}" for i in range(OBJECTS))
    assert {item["data"]["version"] for item in after.values()} == {"two"}
    recreated = [name for name, item in before.items() if after[name]["metadata"]["uid"] != item["metadata"]["uid"]]
    assert recreated == []
    entries = done["status"]["inventory"]["entries"]
    assert sorted(entry["id"] for entry in entries) == sorted(f"{namespace}_cm-{i}__ConfigMap" for i in range(OBJECTS))
