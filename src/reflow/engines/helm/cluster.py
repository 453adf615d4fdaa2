"""A kubeconfig for the helm CLI that connects as a reflow client does: same server, credentials and identity
(a remote cluster's too, from the inline material its client holds in memory).

Everything is inlined (certificates as data, the bearer token as a token), so the one file the helm
process reads holds it all; the caller writes it readable by its owner only.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

from reflow.kube.client import Kube
from reflow.kube.remote import RemoteCluster

NAME = "reflow"


def _data(path: object) -> str | None:
    if not path:
        return None
    return base64.b64encode(Path(str(path)).read_bytes()).decode()


def _file_tls(configuration: Any, user: dict[str, Any]) -> dict[str, Any]:
    """The cluster's TLS fields from the files a local kubeconfig named; client certificates go to `user`."""
    cluster: dict[str, Any] = {}
    ca = _data(getattr(configuration, "ssl_ca_cert", None))
    if ca:
        cluster["certificate-authority-data"] = ca
    if getattr(configuration, "verify_ssl", True) is False:
        cluster["insecure-skip-tls-verify"] = True
    server_name = getattr(configuration, "tls_server_name", None)
    if server_name:
        cluster["tls-server-name"] = server_name
    certificate = _data(getattr(configuration, "cert_file", None))
    key = _data(getattr(configuration, "key_file", None))
    if certificate and key:
        user["client-certificate-data"] = certificate
        user["client-key-data"] = key
    return cluster


def _remote_tls(remote: RemoteCluster, user: dict[str, Any]) -> dict[str, Any]:
    """The cluster's TLS fields from a remote cluster's in-memory material; client certificates go to `user`."""
    cluster: dict[str, Any] = {}
    if remote.ca_data:
        cluster["certificate-authority-data"] = base64.b64encode(remote.ca_data).decode()
    if remote.insecure:
        cluster["insecure-skip-tls-verify"] = True
    if remote.cert_data and remote.key_data:
        user["client-certificate-data"] = base64.b64encode(remote.cert_data).decode()
        user["client-key-data"] = base64.b64encode(remote.key_data).decode()
    return cluster


async def kubeconfig_for(kube: Kube, namespace: str) -> str:
    """The kubeconfig YAML of `kube`'s connection, impersonation included, with `namespace` as the default."""
    configuration = kube.configuration
    cluster: dict[str, Any] = {"server": kube.host}
    user: dict[str, Any] = {}
    if kube.remote is not None:
        cluster.update(_remote_tls(kube.remote, user))
    else:
        cluster.update(_file_tls(configuration, user))
    for setting in (await configuration.auth_settings()).values():
        value = str(setting.get("value") or "")
        if setting.get("key") != "authorization":
            continue
        scheme, _, credentials = value.partition(" ")
        if scheme.lower() == "bearer":
            user["token"] = credentials
        elif scheme.lower() == "basic":
            username, _, password = base64.b64decode(credentials).decode().partition(":")
            user.update({"username": username, "password": password})
    as_user, as_groups = kube.options.as_user, kube.options.as_groups
    if as_user:
        user["as"] = as_user
        if as_groups:
            user["as-groups"] = list(as_groups)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": NAME, "cluster": cluster}],
        "users": [{"name": NAME, "user": user}],
        "contexts": [{"name": NAME, "context": {"cluster": NAME, "user": NAME, "namespace": namespace}}],
        "current-context": NAME,
    }
    return yaml.dump(config, Dumper=yaml.CSafeDumper, sort_keys=False)
