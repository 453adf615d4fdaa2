"""The API server and etcd restarted while the source, kustomize, helm and notification controllers reconcile.

Every object converges, the watches resume (a later commit still flows from the source to its
Kustomization), and no object that was Ready=True is ever seen Ready=False.
"""

from __future__ import annotations

import asyncio
import base64
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube, connect
from reflow.kube.options import ConnectionOptions
from reflow.kube.wait import wait_for
from reflow.runtime.informer import Change, Informer, Scope
from tests.controllers.helm.charts import HELM
from tests.controllers.notification.test_receivers import TOKEN
from tests.faults.controllers import KUSTOMIZE, SOURCE, applied, config_maps, controllers
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo
from tests.manifests import install_crds

pytestmark = pytest.mark.faults

NAMESPACE = "faults"
NOTIFICATION = "notification.toolkit.fluxcd.io/v1"
WATCHED = ((SOURCE, "GitRepository"), (SOURCE, "HelmChart"), (KUSTOMIZE, "Kustomization"), (HELM, "HelmRelease"),
           (NOTIFICATION, "Receiver"))  # fmt: skip
CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-chart\n"
    "data:\n  greeting: hello\n",
}


class ReadyLog:
    """Every Ready status each watched object was seen with, in order, from watches of its own."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = defaultdict(list)

    def record(self, _change: Change, _old: Manifest | None, new: Manifest) -> None:
        status = (condition(new, "Ready") or {}).get("status")
        key = f"{new['kind']}/{new['metadata']['name']}"
        if status and (not self.seen[key] or self.seen[key][-1] != status):
            self.seen[key].append(status)

    def flapped(self) -> dict[str, list[str]]:
        """Objects seen Ready=False after they were Ready=True."""
        return {key: seen for key, seen in self.seen.items() if "False" in seen[seen.index("True") :]
                if "True" in seen}  # fmt: skip


@asynccontextmanager
async def recording(kube: Kube) -> AsyncIterator[ReadyLog]:
    log = ReadyLog()
    informers = [Informer(kube, Scope(api_version=api, kind=kind, namespace=NAMESPACE)) for api, kind in WATCHED]
    for informer in informers:
        informer.add_handler(log.record)
    tasks = [asyncio.ensure_future(informer.run()) for informer in informers]
    try:
        yield log
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def ready(obj: Manifest | None) -> bool:
    found = condition(obj, "Ready") or {}
    generation = (obj or {}).get("metadata", {}).get("generation")
    return found.get("status") == "True" and (obj or {}).get("status", {}).get("observedGeneration") == generation


async def create_objects(kube: Kube, git_http: GitHttpServer, repo: Repo) -> None:
    """A GitRepository, a Kustomization and a HelmRelease of its contents, and a Receiver for it."""
    encode = lambda value: base64.b64encode(value.encode()).decode()  # noqa: E731
    secrets = {"git": {"username": GIT_USERNAME, "password": git_http.password or ""}, "hook-token": {"token": TOKEN}}
    for name, data in secrets.items():
        await kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": NAMESPACE},
                           "data": {key: encode(value) for key, value in data.items()}})  # fmt: skip
    meta = {"name": "app", "namespace": NAMESPACE}
    await kube.create({"apiVersion": SOURCE, "kind": "GitRepository", "metadata": meta,
                       "spec": {"url": git_http.url(repo.bare.name), "interval": "1h", "ref": {"branch": "main"},
                                "secretRef": {"name": "git"}}})  # fmt: skip
    await kube.create({"apiVersion": KUSTOMIZE, "kind": "Kustomization", "metadata": meta,
                       "spec": {"interval": "1h", "prune": True, "path": "./deploy",
                                "sourceRef": {"kind": "GitRepository", "name": "app"}}})  # fmt: skip
    await kube.create({"apiVersion": HELM, "kind": "HelmRelease", "metadata": meta,
                       "spec": {"interval": "1h", "chart": {"spec": {"chart": "./chart", "interval": "1h",
                                "sourceRef": {"kind": "GitRepository", "name": "app"}}}}})  # fmt: skip
    await kube.create({"apiVersion": NOTIFICATION, "kind": "Receiver", "metadata": meta,
                       "spec": {"type": "generic", "secretRef": {"name": "hook-token"},
                                "resources": [{"kind": "GitRepository", "name": "app"}]}})  # fmt: skip


async def converged(kube: Kube) -> None:
    """Every object Ready at its generation (the Kustomization's revision is checked by the caller)."""
    names = {(SOURCE, "GitRepository"): "app", (SOURCE, "HelmChart"): f"{NAMESPACE}-app", (HELM, "HelmRelease"): "app",
             (NOTIFICATION, "Receiver"): "app"}  # fmt: skip
    for (api, kind), name in names.items():
        await wait_for(kube, ObjectRef(api, kind, name, NAMESPACE), ready, timeout=120, what=f"{kind} Ready")


async def test_every_controller_converges_across_an_api_server_and_etcd_restart_without_flapping(
    private_plane: Callable[[], LocalPlane], git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    plane = private_plane()
    repo = make_repo()
    first = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(NAMESPACE, 100, 'one'), **CHART}, 'one')}"
    async with connect(ConnectionOptions(kubeconfig=str(plane.kubeconfig))) as kube:
        await install_crds(kube)
        await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        ks = ObjectRef(KUSTOMIZE, "Kustomization", "app", NAMESPACE)
        async with (
            recording(kube) as log,
            controllers(plane.kubeconfig, NAMESPACE, tmp_path, names="source,kustomize,helm,notification"),
        ):
            await create_objects(kube, git_http, repo)
            await wait_for(kube, ks, lambda obj: condition(obj, "Reconciling") is not None, timeout=60,
                           what="the Kustomization under way")  # fmt: skip
            await asyncio.to_thread(plane.stop)
            await asyncio.to_thread(plane.start)

            await wait_for(kube, ks, applied(first), timeout=120, what="applied after the restart")
            await converged(kube)
            second = f"main@sha1:{repo.commit({'deploy/cms.yaml': config_maps(NAMESPACE, 100, 'two')}, 'two')}"
            await kube.patch(ObjectRef(SOURCE, "GitRepository", "app", NAMESPACE),
                             {"metadata": {"annotations": {REQUESTED_AT: "after-restart"}}})  # fmt: skip
            await wait_for(kube, ks, applied(second), timeout=120, what="the next commit through resumed watches")
            await converged(kube)
        listed = await kube.list_whole("v1", "ConfigMap", NAMESPACE)
    data = {item["metadata"]["name"]: item.get("data") for item in listed["items"]}
    assert {data[f"cm-{i}"]["version"] for i in range(100)} == {"two"}
    assert data["app-chart"] == {"greeting": "hello"}
    assert log.flapped() == {}
    assert set(log.seen) >= {"GitRepository/app", "Kustomization/app", "HelmRelease/app", "Receiver/app"}
