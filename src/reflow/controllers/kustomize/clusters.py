"""The cluster and identity a Kustomization applies as: the controller's, an impersonated one, or a remote one."""

from __future__ import annotations

import asyncio

from reflow.api.kustomize import Kustomization
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError, NotFound
from reflow.kube.options import ConnectionOptions
from reflow.kube.remote import open_remote
from reflow.runtime.errors import ReconcileError

RemoteKey = tuple[str, str, str]
"""(namespace, Secret name, Secret resourceVersion): a new version of the Secret means a new client."""


def service_account_user(namespace: str, name: str) -> str:
    """The user name Kubernetes gives a ServiceAccount."""
    return f"system:serviceaccount:{namespace}:{name}"


class Clusters:
    """Clients per Kustomization; remote clients are cached by kubeconfig Secret version and closed at the end.

    `insecure_tls` lets a kubeconfig Secret turn off the server's certificate check (`--insecure-kubeconfig-tls`).
    """

    def __init__(self, kube: Kube, *, default_service_account: str | None = None, insecure_tls: bool = False) -> None:
        self.kube = kube
        self.default_service_account = default_service_account
        self.insecure_tls = insecure_tls
        self._remote: dict[RemoteKey, Kube] = {}

    async def client(self, ks: Kustomization) -> Kube:
        """The client to apply `ks` with."""
        namespace = ks.metadata.namespace or "default"
        base = self.kube
        if ks.spec.kube_config is not None:
            base = await self._remote_client(ks, namespace)
        account = ks.spec.service_account_name or (None if ks.spec.kube_config else self.default_service_account)
        if account:
            return base.impersonating(service_account_user(namespace, account))
        return base

    async def _remote_client(self, ks: Kustomization, namespace: str) -> Kube:
        reference = ks.spec.kube_config.secret_ref if ks.spec.kube_config else None
        if reference is None:
            raise ReconcileError("kubeConfig.configMapRef (cloud provider login) is not supported by reflow yet")
        where = f"Secret '{namespace}/{reference.name}'"
        try:
            secret = await self.kube.get(ObjectRef("v1", "Secret", reference.name, namespace))
        except NotFound as error:
            raise ReconcileError(f"kubeconfig {where} not found") from error
        key: RemoteKey = (namespace, reference.name, secret["metadata"]["resourceVersion"])
        if key in self._remote:
            return self._remote[key]
        for stale in [k for k in self._remote if k[:2] == key[:2]]:
            await self._remote.pop(stale).close()
        options = ConnectionOptions(user_agent=self.kube.options.user_agent)
        try:
            client = await open_remote(secret, reference.key, options, insecure_tls=self.insecure_tls)
        except KubeError as error:
            raise ReconcileError(f"kubeconfig {where}: {error}") from error
        self._remote[key] = client
        return client

    async def run(self) -> None:
        """Hold the remote clients until cancelled, then close them all."""
        try:
            await asyncio.Event().wait()
        finally:
            for client in self._remote.values():
                await client.close()
            self._remote.clear()
