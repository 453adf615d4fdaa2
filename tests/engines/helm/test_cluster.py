"""The kubeconfig handed to helm for a remote cluster carries the client's in-memory TLS material and credentials."""

from __future__ import annotations

import base64

import aiohttp
import yaml
from kubernetes.aio.client.configuration import Configuration

from reflow.engines.helm.cluster import kubeconfig_for
from reflow.kube.client import Kube
from reflow.kube.options import ConnectionOptions
from reflow.kube.remote import RemoteCluster


async def helm_kubeconfig(remote: RemoteCluster, *, as_user: str | None = None) -> dict[str, object]:
    configuration = Configuration(host=remote.server)
    if remote.authorization:
        configuration.api_key = {"authorization": remote.authorization}
    async with aiohttp.ClientSession() as session:
        kube = Kube(configuration, ConnectionOptions(), session, remote=remote).impersonating(as_user)
        loaded = yaml.safe_load(await kubeconfig_for(kube, "far"))
    assert isinstance(loaded, dict)
    return loaded


async def test_a_remote_clusters_ca_and_client_certificate_are_inlined_and_impersonation_kept() -> None:
    remote = RemoteCluster(server="https://far.example:6443", ca_data=b"CA", cert_data=b"CERT", key_data=b"KEY",
                           authorization="Bearer t0k3n")  # fmt: skip
    config = await helm_kubeconfig(remote, as_user="system:serviceaccount:apps:deployer")
    cluster = {"server": "https://far.example:6443", "certificate-authority-data": base64.b64encode(b"CA").decode()}
    assert config["clusters"] == [{"name": "reflow", "cluster": cluster}]
    user = {
        "client-certificate-data": base64.b64encode(b"CERT").decode(),
        "client-key-data": base64.b64encode(b"KEY").decode(),
        "token": "t0k3n",
        "as": "system:serviceaccount:apps:deployer",
    }
    assert config["users"] == [{"name": "reflow", "user": user}]


async def test_basic_credentials_become_username_and_password_and_insecure_is_kept() -> None:
    basic = "Basic " + base64.b64encode(b"admin:s3cr:et").decode()
    config = await helm_kubeconfig(RemoteCluster(server="https://far.example", authorization=basic, insecure=True))
    assert config["clusters"][0]["cluster"]["insecure-skip-tls-verify"] is True  # type: ignore[index]
    assert config["users"][0]["user"] == {"username": "admin", "password": "s3cr:et"}  # type: ignore[index]
