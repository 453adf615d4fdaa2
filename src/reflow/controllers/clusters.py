"""The cluster and identity a Kustomization or HelmRelease acts as: the controller's, an impersonated one, or a
remote one from `spec.kubeConfig`."""

from __future__ import annotations

import asyncio

from reflow.api.meta import KubeConfigReference, ObjectRef
from reflow.kube.access import service_account_user
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError, NotFound
from reflow.kube.options import ConnectionOptions
from reflow.kube.remote import open_remote
from reflow.kube.secretless import cluster_parameters, open_generic
from reflow.runtime.errors import ReconcileError

RemoteKey = tuple[str, str, str, str]
"""(namespace, kind, name, resourceVersion) of the kubeconfig Secret or ConfigMap: a new version means a new client."""


class Clusters:
    """Clients per Kustomization or HelmRelease; remote clients are cached by the version of their kubeconfig Secret or
    ConfigMap (with the ServiceAccount token a ConfigMap's client requested) and closed at the end.

    `insecure_tls` lets a kubeconfig Secret turn off the server's certificate check (`--insecure-kubeconfig-tls`).
    """

    def __init__(self, kube: Kube, *, default_service_account: str | None = None, insecure_tls: bool = False) -> None:
        self.kube = kube
        self.default_service_account = default_service_account
        self.insecure_tls = insecure_tls
        self._remote: dict[RemoteKey, Kube] = {}

    async def client(
        self, namespace: str, kube_config: KubeConfigReference | None, service_account_name: str | None
    ) -> Kube:
        """The client an object in `namespace` acts with: on the cluster of `kube_config` (else this one), as
        `service_account_name` (else `--default-service-account`, on this cluster only)."""
        base = self.kube
        if kube_config is not None:
            base = await self._remote_client(kube_config, namespace)
        account = service_account_name or (None if kube_config else self.default_service_account)
        if account:
            return base.impersonating(service_account_user(namespace, account))
        return base

    async def _remote_client(self, reference: KubeConfigReference, namespace: str) -> Kube:
        if reference.secret_ref is not None:
            kind, name = "Secret", reference.secret_ref.name
        elif reference.config_map_ref is not None:
            kind, name = "ConfigMap", reference.config_map_ref.name
        else:
            raise ReconcileError("kubeConfig names neither a secretRef nor a configMapRef")
        where = f"{kind} '{namespace}/{name}'"
        try:
            source = await self.kube.get(ObjectRef("v1", kind, name, namespace))
        except NotFound as error:
            raise ReconcileError(f"kubeconfig {where} not found") from error
        key: RemoteKey = (namespace, kind, name, source["metadata"]["resourceVersion"])
        if key in self._remote:
            return self._remote[key]
        for stale in [k for k in self._remote if k[:3] == key[:3]]:
            await self._remote.pop(stale).close()
        options = ConnectionOptions(user_agent=self.kube.options.user_agent)
        try:
            if reference.secret_ref is not None:
                client = await open_remote(source, reference.secret_ref.key, options, insecure_tls=self.insecure_tls)
            else:
                client = await open_generic(cluster_parameters(source), self.kube, namespace, options)
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
