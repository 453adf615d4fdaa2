"""A remote cluster from a `kubeConfig.configMapRef` ConfigMap: no stored credential, a requested ServiceAccount token.

The ConfigMap holds Flux's keys: `provider` (`generic`, `aws`, `azure` or `gcp`), `address`, `ca.crt`,
`audiences` (one a line) and `serviceAccountName`. For `generic`, the controller asks its own cluster
(TokenRequest) for a token of that ServiceAccount, in the Kustomization's namespace, for the audiences
(the address when none are given), and sends it to the address: the remote cluster must trust this
cluster's ServiceAccount issuer. The cloud providers' logins are not part of this build. Unlike Flux,
a ConfigMap without `serviceAccountName` is refused rather than answered with the controller's own
token: a ConfigMap's author chooses the address and audiences that token would go to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.kube.errors import ConfigError
from reflow.kube.options import ConnectionOptions
from reflow.kube.remote import RemoteCluster, open_cluster, server_url, ssl_context
from reflow.kube.tokenrequest import TokenSource, service_account_name

GENERIC = "generic"
CLOUD_PROVIDERS = ("aws", "azure", "gcp")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterParameters:
    """What a `generic` ConfigMap says: where the cluster is, whom to trust, and which token to present."""

    address: str
    """The API server's https URL."""
    ca_data: bytes | None = field(default=None, repr=False)
    """PEM CA bundle (`ca.crt`); None: the system's."""
    audiences: tuple[str, ...]
    """The token's audiences; the address as written when the ConfigMap gives none."""
    service_account: str
    """The ServiceAccount, in the Kustomization's namespace, whose token is requested."""


def cluster_parameters(config_map: Manifest) -> ClusterParameters:
    """The `generic` provider's parameters from the ConfigMap's data; ConfigError in words a user can act on."""
    data: Mapping[str, object] = config_map.get("data") or {}
    provider = data.get("provider")
    if not provider:
        raise ConfigError(f"key 'provider' is not set: use '{GENERIC}'")
    if provider in CLOUD_PROVIDERS:
        raise ConfigError(
            f"provider '{provider}' (a cloud provider's login) is not supported in this build; use provider "
            f"'{GENERIC}' with a cluster that trusts this cluster's ServiceAccount issuer, or kubeConfig.secretRef"
        )
    if provider != GENERIC:
        raise ConfigError(f"provider '{provider}' is not one of {GENERIC}, {', '.join(CLOUD_PROVIDERS)}")
    address = data.get("address")
    if not isinstance(address, str) or not address.strip():
        raise ConfigError(f"key 'address' is required for provider '{GENERIC}'")
    address = address.strip()
    url = server_url(address if "://" in address else f"https://{address}", "key 'address'")
    if not url.startswith("https://"):
        raise ConfigError("key 'address' must be an https:// URL: the token it is sent would travel in clear")
    account = data.get("serviceAccountName")
    if not account:
        raise ConfigError(
            "key 'serviceAccountName' is required: reflow sends a ServiceAccount's token of this namespace, "
            "never the controller's own"
        )
    ca = data.get("ca.crt")
    audiences = [line.strip() for line in str(data.get("audiences") or "").splitlines() if line.strip()]
    return ClusterParameters(
        address=url,
        ca_data=str(ca).encode() if ca else None,
        audiences=tuple(audiences) or (address,),
        service_account=service_account_name(account, "key 'serviceAccountName'"),
    )


async def open_generic(parameters: ClusterParameters, local: Kube, namespace: str, options: ConnectionOptions) -> Kube:
    """A client for the remote cluster authenticating with a requested, renewed token; the caller must `close()` it.

    The first token is requested here, so a missing ServiceAccount is reported before any connection.
    """
    cluster = RemoteCluster(server=parameters.address, ca_data=parameters.ca_data)
    try:
        context = ssl_context(cluster)
    except ConfigError:
        raise ConfigError("key 'ca.crt' holds no usable PEM certificate") from None
    source = TokenSource(local, namespace, parameters.service_account, parameters.audiences)
    cluster = replace(cluster, authorization=f"Bearer {await source.token()}")
    return await open_cluster(cluster, context, options, bearer=source.token)
