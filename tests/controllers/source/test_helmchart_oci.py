"""HelmChart from an OCI HelmRepository: charts pushed by the real helm to the loopback registry behind TLS and
basic auth, pulled with the repository's Secrets; bad credentials are shown in status."""

from __future__ import annotations

from pathlib import Path

from reflow.api.conditions import condition
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.source.gitrepositories import fetch, secret
from tests.controllers.source.helmcharts import chart_values, helm_chart, ref, request, revision_is, until
from tests.controllers.source.test_helmrepository import helm_repository
from tests.gitservers import run
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.registries import Registry


def push_chart(registry: Registry, repository: str, version: str, scratch: Path, *, description: str = "") -> bytes:
    """`helm create` + `helm package` a chart `web` at `version` and `helm push` it (over plain HTTP to a
    registry without a CA); the packaged bytes. A `description` makes other bytes for the same version."""
    folder = scratch / f"{version}{description}"
    folder.mkdir(parents=True)
    run(binary("helm"), "create", folder / "web")
    if description:
        chart = folder / "web/Chart.yaml"
        chart.write_text(chart.read_text().replace("description: ", f"description: {description} ", 1))
    (folder / "web/values-prod.yaml").write_text("replicaCount: 4\n")
    run(binary("helm"), "package", folder / "web", "--version", version, "--destination", folder)
    config = folder / "registry.json"
    config.write_bytes(registry.docker_config() if registry.username is not None else b"{}")
    env = {"HOME": str(folder), "HELM_CONFIG_HOME": str(folder / "config"), "HELM_CACHE_HOME": str(folder / "cache")}
    access = ["--ca-file", registry.ca] if registry.ca is not None else ["--plain-http"]
    archive = folder / f"web-{version}.tgz"
    target = f"oci://{registry.host}/{repository}"
    run(binary("helm"), "push", archive, target, "--registry-config", config, *access, env=env)
    return archive.read_bytes()


async def test_chart_from_an_oci_registry_with_credentials_and_tls(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    auth_registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    assert auth_registry.username is not None
    assert auth_registry.password is not None
    assert auth_registry.ca is not None
    push_chart(auth_registry, registry_repository, "1.0.0", tmp_path)
    second = push_chart(auth_registry, registry_repository, "1.2.0", tmp_path)
    login = {"username": auth_registry.username.encode(), "password": auth_registry.password.encode()}
    await kube.create(secret(namespace, "login", login))
    await kube.create(secret(namespace, "ca", {"ca.crt": auth_registry.ca.read_bytes()}))
    await start_controllers("source")
    spec = {"type": "oci", "secretRef": {"name": "login"}, "certSecretRef": {"name": "ca"}}
    await kube.create(helm_repository(namespace, "registry", auth_registry.oci_url(registry_repository), **spec))
    await kube.create(helm_chart(namespace, "web", "web", "HelmRepository", "registry", version="1.x"))

    obj = await until(kube, "HelmChart", namespace, "web", ready_is("True"))
    ready = condition(obj, "Ready")
    assert ready is not None
    assert ready["reason"] == "ChartPullSucceeded"
    assert ready["message"] == "pulled 'web' chart with version '1.2.0'"
    assert obj["status"]["artifact"]["path"] == f"helmchart/{namespace}/web/web-1.2.0.tgz"
    assert "observedSourceArtifactRevision" not in obj["status"]  # an OCI repository has no artifact
    assert await fetch(obj["status"]["artifact"]["url"]) == second  # the pushed bytes

    third = push_chart(auth_registry, registry_repository, "1.3.0", tmp_path)
    await request(kube, "HelmChart", namespace, "web", "new-tag")
    moved = await until(kube, "HelmChart", namespace, "web", revision_is("1.3.0"))
    assert await fetch(moved["status"]["artifact"]["url"]) == third

    files = ["values.yaml", "values-prod.yaml"]
    await kube.patch(ref("HelmChart", namespace, "web"), {"spec": {"valuesFiles": files}})
    merged = await until(kube, "HelmChart", namespace, "web", revision_is("1.3.0+2"))
    assert chart_values(await fetch(merged["status"]["artifact"]["url"]))["replicaCount"] == 4
    good = merged["status"]["artifact"]

    await kube.create(secret(namespace, "wrong", {"username": login["username"], "password": b"not-it"}))
    await kube.patch(ref("HelmRepository", namespace, "registry"), {"spec": {"secretRef": {"name": "wrong"}}})
    push_chart(auth_registry, registry_repository, "1.4.0", tmp_path)
    await request(kube, "HelmChart", namespace, "web", "wrong-password")
    failed = await until(kube, "HelmChart", namespace, "web", ready_is("False", "failed to pull"))
    assert condition(failed, "Ready")["reason"] == "ChartPullError"  # type: ignore[index]
    assert "not-it" not in str(failed["status"])
    assert "response status code 401: unauthorized" in condition(failed, "Ready")["message"]  # type: ignore[index]
    assert failed["status"]["artifact"] == good
