"""OCIRepository credentials, TLS and proxies against the TLS + basic-auth registry and a loopback HTTP proxy."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from reflow.api.conditions import condition
from reflow.kube.client import Kube
from tests.controllers.source.gitrepositories import secret
from tests.controllers.source.ocirepositories import docker_secret, oci_repository, push_configmap, ref, until
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.proxyserver import ProxyServer
from tests.registries import Registry


def wrong_config(registry: Registry) -> bytes:
    auth = base64.b64encode(f"{registry.username}:not-the-password".encode()).decode()
    return json.dumps({"auths": {registry.host: {"auth": auth}}}).encode()


async def test_docker_config_service_account_and_ca_reach_the_authenticated_registry(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    auth_registry: Registry,
    registry_repository: str,
    tmp_path: Path,
) -> None:
    assert auth_registry.ca is not None
    pushed = await push_configmap(auth_registry, registry_repository, "v1", "one", tmp_path)
    await kube.create(docker_secret(namespace, "pull", auth_registry.docker_config()))
    await kube.create(docker_secret(namespace, "wrong", wrong_config(auth_registry)))
    await kube.create(secret(namespace, "ca", {"ca.crt": auth_registry.ca.read_bytes()}))
    await kube.create(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "puller", "namespace": namespace},
            "imagePullSecrets": [{"name": "pull"}],
        }
    )
    url = auth_registry.oci_url(registry_repository)
    common = {"ref": {"tag": "v1"}, "certSecretRef": {"name": "ca"}}
    await start_controllers("source")
    await kube.create(oci_repository(namespace, "by-secret", url, secretRef={"name": "pull"}, **common))
    await kube.create(oci_repository(namespace, "by-account", url, serviceAccountName="puller", **common))
    await kube.create(oci_repository(namespace, "anonymous", url, **common))
    await kube.create(oci_repository(namespace, "no-ca", url, secretRef={"name": "pull"}, ref={"tag": "v1"}))

    for name in ("by-secret", "by-account"):
        obj = await until(kube, namespace, name, ready_is("True"))
        assert obj["status"]["artifact"]["revision"] == f"v1@{pushed.digest}"
    anonymous = await until(kube, namespace, "anonymous", ready_is("False", "wants credentials and none were given"))
    assert condition(anonymous, "Ready")["reason"] == "AuthenticationFailed"  # type: ignore[index]
    await until(kube, namespace, "no-ca", ready_is("False", "TLS handshake failed"))

    good = await until(kube, namespace, "by-secret", ready_is("True"))
    await kube.patch(ref(namespace, "by-secret"), {"spec": {"secretRef": {"name": "wrong"}}})
    refused = await until(kube, namespace, "by-secret", ready_is("False", "refused the credentials of user 'reflow'"))
    assert refused["status"]["artifact"] == good["status"]["artifact"]
    assert "not-the-password" not in json.dumps(refused["status"])
    assert str(auth_registry.password) not in json.dumps(refused["status"])


async def test_the_proxy_secret_routes_registry_requests(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    auth_registry: Registry,
    registry_repository: str,
    proxy_server: ProxyServer,
    tmp_path: Path,
) -> None:
    assert auth_registry.ca is not None
    await push_configmap(registry, registry_repository, "v1", "one", tmp_path)
    await push_configmap(auth_registry, registry_repository, "v1", "one", tmp_path)
    data = {"address": proxy_server.address.encode(), "username": proxy_server.username.encode()}
    await kube.create(secret(namespace, "proxy", {**data, "password": proxy_server.password.encode()}))
    await kube.create(secret(namespace, "bad-proxy", {**data, "password": b"wrong"}))
    await kube.create(docker_secret(namespace, "pull", auth_registry.docker_config()))
    await kube.create(secret(namespace, "ca", {"ca.crt": auth_registry.ca.read_bytes()}))
    url = registry.oci_url(registry_repository)
    await start_controllers("source")
    await kube.create(oci_repository(namespace, "app", url, ref={"tag": "v1"}, proxySecretRef={"name": "proxy"}))
    tunnelled = {"ref": {"tag": "v1"}, "secretRef": {"name": "pull"}, "certSecretRef": {"name": "ca"}}
    tls_url = auth_registry.oci_url(registry_repository)
    await kube.create(oci_repository(namespace, "tls", tls_url, proxySecretRef={"name": "proxy"}, **tunnelled))
    await until(kube, namespace, "app", ready_is("True"))
    await until(kube, namespace, "tls", ready_is("True"))
    for host in (registry.host, auth_registry.host):
        assert proxy_server.forwarded_to(int(host.rpartition(":")[2])) >= 1

    await kube.create(
        oci_repository(namespace, "refused", url, ref={"tag": "v1"}, proxySecretRef={"name": "bad-proxy"})
    )
    refused = await until(kube, namespace, "refused", ready_is("False", "the proxy refused the request"))
    assert "wrong" not in json.dumps(refused["status"])
