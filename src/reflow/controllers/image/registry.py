"""How image-reflector-controller reaches an ImageRepository's registry: the repository, credentials, transport.

Credentials come from the docker-config `secretRef`, then the `serviceAccountName`'s imagePullSecrets;
`certSecretRef` holds the CA (and a client certificate), `proxySecretRef` the proxy; `insecure` allows
plain HTTP. One `AuthCache` per controller remembers each registry's scheme and tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.conditions import AUTHENTICATION_FAILED
from reflow.api.image import IMAGE_URL_INVALID, ImageRepository
from reflow.api.meta import ObjectRef
from reflow.controllers.source.gitaccess import git_secret
from reflow.engines.git import GitError, proxy_from_secret
from reflow.engines.oci import (
    AuthCache,
    Credentials,
    KeyEntry,
    OCIError,
    RegistryClient,
    Repository,
    Transport,
    credentials_for,
    docker_config_entries,
    parse_repository,
    tls_from_secret,
)
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.runtime.errors import ReconcileError, StalledError


@dataclass(frozen=True, slots=True)
class Access:
    """Everything a `RegistryClient` for the repository needs."""

    repository: Repository
    credentials: Credentials | None
    transport: Transport

    def client(self, cache: AuthCache) -> RegistryClient:
        return RegistryClient(self.repository, credentials=self.credentials, transport=self.transport, cache=cache)


def image_repository(image: str) -> Repository:
    """The registry and path `spec.image` names; no tag or digest, as Flux requires."""
    try:
        return parse_repository(f"oci://{image}")
    except OCIError as error:
        said = str(error).replace(f"'oci://{image}' ", "").replace("oci://", "")
        raise StalledError(f"invalid image '{image}': {said}", reason=IMAGE_URL_INVALID) from error


async def registry_access(kube: Kube, repo: ImageRepository, repository: Repository) -> Access:
    """Credentials and transport from the ImageRepository's Secrets; a failure is AuthenticationFailed."""
    spec, namespace = repo.spec, repo.metadata.namespace or ""
    if spec.provider != "generic":
        raise StalledError(f"provider '{spec.provider}' logins are not available in reflow; use 'generic' with a"
                           " docker-config secretRef or the serviceAccountName's imagePullSecrets",
                           reason=AUTHENTICATION_FAILED)  # fmt: skip
    try:
        names = [spec.secret_ref.name] if spec.secret_ref else []
        if spec.service_account_name:
            names += await _pull_secrets(kube, namespace, spec.service_account_name)
        keyring: list[list[KeyEntry]] = []
        for name in names:
            data = await git_secret(kube, namespace, name, "authentication")
            keyring.append(docker_config_entries(data, f"{namespace}/{name}"))
        tls = None
        if spec.cert_secret_ref is not None:
            name = spec.cert_secret_ref.name
            tls = tls_from_secret(await git_secret(kube, namespace, name, "TLS"), f"{namespace}/{name}")
        proxy = None
        if spec.proxy_secret_ref is not None:
            name = spec.proxy_secret_ref.name
            proxy = proxy_from_secret(await git_secret(kube, namespace, name, "proxy"), f"{namespace}/{name}")
    except (GitError, OCIError) as error:
        raise ReconcileError(f"failed to configure authentication options: {error}",
                             reason=AUTHENTICATION_FAILED) from error  # fmt: skip
    timeout = spec.timeout or spec.interval
    transport = Transport(tls=tls, insecure=spec.insecure, proxy=proxy, timeout=timeout)
    return Access(repository, credentials_for(keyring, repository), transport)


async def _pull_secrets(kube: Kube, namespace: str, account: str) -> list[str]:
    try:
        found = await kube.get(ObjectRef("v1", "ServiceAccount", account, namespace))
    except NotFound as error:
        raise GitError(f"service account '{namespace}/{account}' not found") from error
    return [entry["name"] for entry in found.get("imagePullSecrets") or [] if entry.get("name")]
