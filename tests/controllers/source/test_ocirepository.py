"""OCIRepository against the real plane and loopback registries: tag, semver, digest, a Kustomization, cost."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.controller import REQUESTED_AT
from tests.controllers.events import events_until
from tests.controllers.source.gitrepositories import fetch, members
from tests.controllers.source.ocirepositories import (
    ORIGIN,
    docker_secret,
    oci_repository,
    push_configmap,
    ref,
    until,
)
from tests.managers import StartControllers
from tests.manifests import kustomization, ready_is
from tests.registries import Registry
from tests.registryproxy import counting_proxy
from tests.tokenserver import TokenServer

KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"


async def test_tag_semver_and_digest_become_artifacts_that_a_kustomization_applies(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    first = await push_configmap(registry, registry_repository, "v1.0.0", "one", tmp_path)
    second = await push_configmap(registry, registry_repository, "v1.1.0", "two", tmp_path, commit="2" * 40)
    await push_configmap(registry, registry_repository, "v2.0.0-rc.1", "three", tmp_path)
    url = registry.oci_url(registry_repository)
    await start_controllers("source", "kustomize")
    await kube.create(oci_repository(namespace, "by-tag", url, ref={"tag": "v1.0.0"}, ignore="*.txt\n"))
    await kube.create(oci_repository(namespace, "by-semver", url, ref={"semver": ">=1.0.0"}))
    await kube.create(oci_repository(namespace, "by-digest", url, ref={"digest": first.digest, "tag": "v1.1.0"}))

    by_tag = await until(kube, namespace, "by-tag", ready_is("True"))
    artifact = by_tag["status"]["artifact"]
    assert artifact["revision"] == f"v1.0.0@{first.digest}"
    assert condition(by_tag, "Ready")["message"] == f"stored artifact for digest 'v1.0.0@{first.digest}'"  # type: ignore[index]
    assert artifact["path"] == f"ocirepository/{namespace}/by-tag/{first.digest.removeprefix('sha256:')}.tar.gz"
    assert artifact["metadata"] == {
        "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
        "org.opencontainers.image.source": ORIGIN,
        "org.opencontainers.image.revision": "main@sha1:" + "1" * 40,
    }
    assert by_tag["status"]["observedIgnore"] == "*.txt\n"
    tarball = await fetch(artifact["url"])
    assert artifact["digest"] == "sha256:" + hashlib.sha256(tarball).hexdigest()
    assert sorted(members(tarball)) == ["deploy/config.yaml"]

    by_semver = await until(kube, namespace, "by-semver", ready_is("True"))
    assert by_semver["status"]["artifact"]["revision"] == f"v1.1.0@{second.digest}"
    by_digest = await until(kube, namespace, "by-digest", ready_is("True"))
    assert by_digest["status"]["artifact"]["revision"] == first.digest
    assert sorted(members(await fetch(by_digest["status"]["artifact"]["url"]))) == ["deploy/config.yaml", "notes.txt"]

    recorded = await events_until(kube, namespace, lambda items: sum(e["reason"] == "NewArtifact" for e in items) >= 3)
    messages = {e["involvedObject"]["name"]: e["message"] for e in recorded if e["reason"] == "NewArtifact"}
    assert messages["by-semver"] == (
        f"stored artifact with revision 'v1.1.0@{second.digest}' from '{url}', "
        f"origin source '{ORIGIN}', origin revision 'main@sha1:{'2' * 40}'"
    )

    await kube.create(kustomization(namespace, "app", "OCIRepository", "by-semver"))
    applied = await wait_for(
        kube,
        ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace),
        ready_is("True", f"v1.1.0@{second.digest}"),
        timeout=60,
        what="applied",
    )
    assert applied is not None
    configmap = await kube.get(ObjectRef("v1", "ConfigMap", "from-oci", namespace))
    assert configmap["data"] == {"value": "two"}


async def test_an_unchanged_remote_costs_one_head_and_a_moved_tag_one_pull(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    await push_configmap(registry, registry_repository, "v1", "one", tmp_path)
    async with counting_proxy(registry.host) as proxy:
        await start_controllers("source")
        await kube.create(oci_repository(namespace, "app", proxy.oci_url(registry_repository), ref={"tag": "v1"}))
        first = await until(kube, namespace, "app", ready_is("True"))

        proxy.requests.clear()
        await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "unchanged"}}})
        handled = await until(
            kube, namespace, "app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "unchanged"
        )
        assert proxy.requests == [("HEAD", f"/v2/{registry_repository}/manifests/v1")]
        assert handled["status"]["artifact"] == first["status"]["artifact"]
        assert handled["status"]["conditions"] == first["status"]["conditions"]

        moved = await push_configmap(registry, registry_repository, "v1", "two", tmp_path)
        proxy.requests.clear()
        await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "moved"}}})
        changed = await until(kube, namespace, "app", ready_is("True", moved.digest))
        assert [method for method, _ in proxy.requests] == ["HEAD", "GET", "GET"]
        assert proxy.requests[1] == ("GET", f"/v2/{registry_repository}/manifests/{moved.digest}")
        assert proxy.requests[2] == ("GET", f"/v2/{registry_repository}/blobs/{moved.layer.digest}")
        assert members(await fetch(changed["status"]["artifact"]["url"]))["deploy/config.yaml"].endswith(b"'two'\n")


async def test_bearer_token_registries_cost_one_head_once_the_token_is_known(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    token_registry: Registry,
    token_server: TokenServer,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    pushed = await push_configmap(token_registry, registry_repository, "v1", "one", tmp_path)
    async with counting_proxy(token_registry.host) as proxy:
        config = json.loads(token_registry.docker_config())
        config["auths"] = {proxy.host: config["auths"][token_registry.host]}
        await kube.create(docker_secret(namespace, "pull-via-proxy", json.dumps(config).encode()))
        await start_controllers("source")
        url = proxy.oci_url(registry_repository)
        await kube.create(
            oci_repository(namespace, "app", url, ref={"tag": "v1"}, secretRef={"name": "pull-via-proxy"})
        )
        first = await until(kube, namespace, "app", ready_is("True", f"v1@{pushed.digest}"))

        proxy.requests.clear()
        issued = token_server.issued
        await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "unchanged"}}})
        handled = await until(
            kube, namespace, "app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "unchanged"
        )
        assert proxy.requests == [("HEAD", f"/v2/{registry_repository}/manifests/v1")]
        assert token_server.issued == issued
        assert handled["status"]["artifact"] == first["status"]["artifact"]
