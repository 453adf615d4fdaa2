"""HelmRepository against the real plane and a chart repository made by helm: artifact, no-op, new chart, failures."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.controllers.source.helmrepository import HelmRepositoryReconciler
from reflow.engines.helmrepo import HelmSettings
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.controller import REQUESTED_AT
from tests.chartrepo import ChartRepo, make_repo, serve_repo
from tests.controllers.events import events_until
from tests.controllers.source.gitrepositories import fetch, secret
from tests.gitservers import free_port, make_tls
from tests.managers import StartControllers
from tests.manifests import ready_is

SOURCE = "source.toolkit.fluxcd.io/v1"
HANDLED = "lastHandledReconcileAt"


def helm_repository(namespace: str, name: str, url: str, **spec: object) -> Manifest:
    return {
        "apiVersion": SOURCE,
        "kind": "HelmRepository",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"url": url, "interval": "1h", **spec},
    }


def ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(SOURCE, "HelmRepository", name, namespace)


async def until(kube: Kube, namespace: str, name: str, check: Callable[[Manifest | None], bool]) -> Manifest:
    obj = await wait_for(kube, ref(namespace, name), check, timeout=60, what="as expected")
    assert obj is not None
    return obj


async def request(kube: Kube, namespace: str, name: str, token: str) -> Manifest:
    """Ask for a reconcile and wait until it was handled."""
    await kube.patch(ref(namespace, name), {"metadata": {"annotations": {REQUESTED_AT: token}}})
    return await until(
        kube, namespace, name, lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == token
    )


def stored_files(tmp_path: Path) -> dict[str, int]:
    """Each stored HelmRepository file (the test's storage is `tmp_path/artifacts`) and its change time."""
    root = tmp_path / "artifacts" / "helmrepository"
    return {str(path.relative_to(root)): path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}


def chart_repo(tmp_path: Path) -> ChartRepo:
    repo = make_repo(tmp_path / "repo")
    repo.add_chart("web", "1.0.0")
    return repo


async def test_index_becomes_an_artifact_and_only_a_new_index_a_new_one(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = chart_repo(tmp_path)
    async with serve_repo(repo) as server:
        await start_controllers("source")
        await kube.create(helm_repository(namespace, "charts", server.url))
        first = repo.index
        digest = "sha256:" + hashlib.sha256(first).hexdigest()
        obj = await until(kube, namespace, "charts", ready_is("True"))
        artifact = obj["status"]["artifact"]
        assert artifact["revision"] == digest
        assert artifact["digest"] == digest
        assert artifact["path"] == f"helmrepository/{namespace}/charts/index-{digest[7:]}.yaml"
        assert condition(obj, "Ready")["message"] == f"stored artifact: revision '{digest}'"  # type: ignore[index]
        assert condition(obj, "ArtifactInStorage")["status"] == "True"  # type: ignore[index]
        assert await fetch(artifact["url"]) == first

        seen, files = server.index_requests, stored_files(tmp_path)
        handled = await request(kube, namespace, "charts", "unchanged")
        assert server.index_requests == seen + 1
        assert stored_files(tmp_path) == files
        assert handled["status"]["artifact"] == artifact
        assert handled["status"]["conditions"] == obj["status"]["conditions"]

        repo.add_chart("web", "1.1.0")
        second = "sha256:" + hashlib.sha256(repo.index).hexdigest()
        await request(kube, namespace, "charts", "moved")
        after = await until(kube, namespace, "charts", ready_is("True", second))
        assert await fetch(after["status"]["artifact"]["url"]) == repo.index
        assert b"version: 1.1.0" in repo.index
        recorded = await events_until(
            kube, namespace, lambda items: sum(e["reason"] == "NewArtifact" for e in items) == 2
        )
        messages = [e["message"] for e in recorded if e["reason"] == "NewArtifact"]
        assert all(
            m.startswith("stored fetched index of size ") and m.endswith(f"from '{server.url}'") for m in messages
        )


async def test_bad_index_wrong_password_and_unreachable_keep_the_last_artifact(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = chart_repo(tmp_path)
    tls = make_tls(tmp_path)
    await kube.create(secret(namespace, "creds", {"username": b"reader", "password": b"s3cret"}))
    await kube.create(secret(namespace, "ca", {"ca.crt": tls.ca_cert.read_bytes()}))
    async with serve_repo(repo, auth=("reader", "s3cret"), tls=tls) as server:
        await start_controllers("source", controller_options={"helm": HelmSettings(helm_index_max_size=4096)})
        spec = {"secretRef": {"name": "creds"}, "certSecretRef": {"name": "ca"}}
        await kube.create(helm_repository(namespace, "charts", server.url, **spec))
        good = (await until(kube, namespace, "charts", ready_is("True")))["status"]["artifact"]

        repo.write_index(b"apiVersion: v1\nentries: [\n")
        await request(kube, namespace, "charts", "malformed")
        obj = await until(kube, namespace, "charts", ready_is("False", "not valid YAML"))
        assert condition(obj, "Ready")["reason"] == "IndexationFailed"  # type: ignore[index]
        assert condition(obj, "FetchFailed")["status"] == "True"  # type: ignore[index]
        assert obj["status"]["artifact"] == good

        repo.write_index(b"apiVersion: v1\n" + b"#" * 5000 + b"\n")
        await request(kube, namespace, "charts", "big")
        obj = await until(kube, namespace, "charts", ready_is("False", "larger than the limit of 4096 bytes"))
        assert obj["status"]["artifact"] == good

        await kube.create(secret(namespace, "wrong", {"username": b"reader", "password": b"guess"}))
        await kube.patch(ref(namespace, "charts"), {"spec": {"secretRef": {"name": "wrong"}}})
        obj = await until(kube, namespace, "charts", ready_is("False", "the credentials were refused"))
        assert "guess" not in str(obj["status"])
        assert obj["status"]["artifact"] == good

    unreachable = f"http://127.0.0.1:{free_port()}/charts"
    await kube.patch(ref(namespace, "charts"), {"spec": {"url": unreachable, "secretRef": None, "certSecretRef": None}})
    obj = await until(kube, namespace, "charts", ready_is("False", f"failed to fetch {unreachable}/index.yaml"))
    assert condition(obj, "Ready")["reason"] == "Failed"  # type: ignore[index]
    assert obj["status"]["artifact"] == good


async def test_type_oci_is_ready_without_an_artifact(
    kube: Kube, namespace: str, start_controllers: StartControllers
) -> None:
    await start_controllers("source")
    await kube.create(helm_repository(namespace, "registry", "oci://ghcr.io/example/charts", type="oci"))
    obj = await until(kube, namespace, "registry", ready_is("True", "type 'oci'"))
    assert "artifact" not in obj["status"]


async def test_the_stored_index_is_cached_for_helm_charts_when_the_cache_is_on(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    repo = chart_repo(tmp_path)
    async with serve_repo(repo) as server:
        manager = await start_controllers("source", controller_options={"helm": HelmSettings(helm_cache_max_size=4)})
        await kube.create(helm_repository(namespace, "charts", server.url))
        obj = await until(kube, namespace, "charts", ready_is("True"))
    reconciler = next(c.reconciler for c in manager.controllers if c.reconciler.kind == "HelmRepository")
    assert isinstance(reconciler, HelmRepositoryReconciler)
    cached = reconciler.cache.get(obj["status"]["artifact"]["path"])
    assert cached is not None
    assert [entry["version"] for entry in cached.entries["web"]] == ["1.0.0"]
