"""Poison Kustomizations (a build that hangs, 50 MB of YAML, a health check that never passes) block no one.

Kustomizations created after them are applied long before any poison's timeout, and the controller
process's memory stays bounded.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bench.memory import rss_bytes

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.faults.controllers import KUSTOMIZE, SOURCE, applied, controllers
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo

pytestmark = pytest.mark.faults

POISON_TIMEOUT = "3m"
HEALTHY = 4
HEALTHY_DEADLINE = 45.0
"""Seconds for all the healthy Kustomizations to be applied: far below the poisons' timeout."""
BIG_BYTES = 50 << 20
RSS_GROWTH = 512 << 20
"""How much the controllers may grow after building the 50 MB poison: generous, yet far below a leak of copies."""
HEALTHY_CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  value: ok\n"


def big_configmap() -> str:
    """One ConfigMap of ~50 MB of YAML: kustomize builds it, the API server refuses it (over its size limit)."""
    line = "    " + "x" * 95 + "\n"
    lines = line * (BIG_BYTES // len(line))
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  big: |\n{lines}"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers: a remote base there hangs its build."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def kustomization(namespace: str, name: str, path: str, **spec: object) -> Manifest:
    return {"apiVersion": KUSTOMIZE, "kind": "Kustomization", "metadata": {"name": name, "namespace": namespace},
            "spec": {"interval": "1h", "prune": True, "path": path, "targetNamespace": namespace,
                     "sourceRef": {"kind": "GitRepository", "name": "app"}, **spec}}  # fmt: skip


def started(obj: Manifest | None) -> bool:
    """The Kustomization's reconcile is under way (its worker is taken)."""
    return condition(obj, "Reconciling") is not None or condition(obj, "Ready") is not None


async def test_poison_kustomizations_do_not_hold_up_the_others_and_memory_stays_bounded(
    kube: Kube, kubeconfig: Path, namespace: str, flux_crds: list[object], git_http: GitHttpServer,
    make_repo: Callable[[], Repo], tmp_path: Path, silent_port: int,
) -> None:  # fmt: skip
    repo = make_repo()
    files = {
        "hang/kustomization.yaml": f"resources:\n- http://127.0.0.1:{silent_port}/never.yaml\n",
        "big/big.yaml": big_configmap(),
        "unhealthy/cm.yaml": HEALTHY_CONFIGMAP.replace("name: ok", "name: waiting"),
        "healthy/cm.yaml": HEALTHY_CONFIGMAP,
    }
    revision = f"main@sha1:{repo.commit(files, 'poison and healthy')}"
    await kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git", "namespace": namespace},
                       "stringData": {"username": GIT_USERNAME, "password": git_http.password or ""}})  # fmt: skip
    await kube.create({"apiVersion": SOURCE, "kind": "GitRepository",
                       "metadata": {"name": "app", "namespace": namespace},
                       "spec": {"url": git_http.url(repo.bare.name), "interval": "1h", "ref": {"branch": "main"},
                                "secretRef": {"name": "git"}}})  # fmt: skip
    never = {"apiVersion": SOURCE, "kind": "GitRepository", "name": "nowhere", "namespace": namespace}
    poisons = {
        "hang": kustomization(namespace, "hang", "./hang", timeout=POISON_TIMEOUT),
        "big": kustomization(namespace, "big", "./big", timeout=POISON_TIMEOUT),
        "unhealthy": kustomization(namespace, "unhealthy", "./unhealthy", timeout=POISON_TIMEOUT,
                                   healthChecks=[never]),
    }  # fmt: skip

    async with controllers(kubeconfig, namespace, tmp_path, "--concurrent=4") as process:
        source = ObjectRef(SOURCE, "GitRepository", "app", namespace)
        await wait_for(kube, source, lambda obj: (condition(obj, "Ready") or {}).get("status") == "True",
                       timeout=60, what="the source's artifact")  # fmt: skip
        rss_before = rss_bytes(process.pid)
        for obj in poisons.values():
            await kube.create(obj)
        for name in poisons:
            await wait_for(kube, ObjectRef(KUSTOMIZE, "Kustomization", name, namespace), started, timeout=60,
                           what=f"{name} under way")  # fmt: skip

        for i in range(HEALTHY):
            await kube.create(kustomization(namespace, f"ok-{i}", "./healthy", namePrefix=f"ok-{i}-"))
        for i in range(HEALTHY):
            await wait_for(kube, ObjectRef(KUSTOMIZE, "Kustomization", f"ok-{i}", namespace), applied(revision),
                           timeout=HEALTHY_DEADLINE, what="applied beside the poisons")  # fmt: skip
            assert await kube.get(ObjectRef("v1", "ConfigMap", f"ok-{i}-ok", namespace)) is not None

        def refused(obj: Manifest | None) -> bool:
            return (condition(obj, "Ready") or {}).get("status") == "False"

        big = await wait_for(kube, ObjectRef(KUSTOMIZE, "Kustomization", "big", namespace), refused, timeout=120,
                             what="the 50 MB build applied and refused")  # fmt: skip
        assert big is not None
        rss_after = rss_bytes(process.pid)
        assert "RequestEntityTooLarge" in (condition(big, "Ready") or {}).get("message", "")
        # The other two still hold their workers, where the healthy ones were applied beside them.
        for name, stage in (("hang", "Building manifests"), ("unhealthy", "Running health checks")):
            obj = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", name, namespace))
            assert (condition(obj, "Reconciling") or {}).get("message", "").startswith(stage), name
    assert rss_after - rss_before < RSS_GROWTH, (rss_before >> 20, rss_after >> 20)
