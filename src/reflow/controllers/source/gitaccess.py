"""How to reach a GitRepository's remote: the proxy and credentials its spec names, read from its Secrets.

Shared by the GitRepository reconciler and the image automation, which pushes to the same remote with
the same access. Failures are `GitError`s (each caller shows them its own way), except a spec that cannot
work until it is edited, which stalls.
"""

from __future__ import annotations

from reflow.api.conditions import INVALID_PROVIDER_CONFIGURATION
from reflow.api.meta import ObjectRef
from reflow.api.source import GitRepository
from reflow.engines.git import (
    AuthenticationFailed,
    Credentials,
    InvalidProviderConfiguration,
    Proxy,
    TokenCache,
    credentials_from_secret,
    github_app_from_secret,
    github_credentials,
    has_app_data,
    proxy_from_secret,
)
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.secret import secret_data
from reflow.runtime.errors import StalledError


async def git_secret(kube: Kube, namespace: str | None, name: str, purpose: str) -> dict[str, bytes]:
    """The decoded data of a Secret git needs (`purpose` names it); a missing one is AuthenticationFailed."""
    try:
        return secret_data(await kube.get(ObjectRef("v1", "Secret", name, namespace)))
    except NotFound as error:
        raise AuthenticationFailed(f"{purpose} secret '{namespace}/{name}' not found") from error


async def repository_proxy(kube: Kube, repo: GitRepository) -> Proxy | None:
    """The proxy of `spec.proxySecretRef`, or None."""
    if repo.spec.proxy_secret_ref is None:
        return None
    name = repo.spec.proxy_secret_ref.name
    data = await git_secret(kube, repo.metadata.namespace, name, "proxy")
    return proxy_from_secret(data, f"{repo.metadata.namespace}/{name}")


async def repository_credentials(
    kube: Kube, repo: GitRepository, tokens: TokenCache, proxy: Proxy | None
) -> Credentials | None:
    """The Secret's credentials; with `provider: github`, an installation token of the GitHub App it names."""
    spec, namespace = repo.spec, repo.metadata.namespace
    github = spec.provider == "github"
    if spec.secret_ref is None:
        if github:
            message = "provider 'github' needs a secretRef with the GitHub App's data"
            raise StalledError(message, reason=INVALID_PROVIDER_CONFIGURATION)
        return None
    name = f"{namespace}/{spec.secret_ref.name}"
    data = await git_secret(kube, namespace, spec.secret_ref.name, "authentication")
    if not github:
        if has_app_data(data):
            mismatch = f"secret '{name}' holds GitHub App data, which only provider 'github' uses"
            raise InvalidProviderConfiguration(mismatch)
        return credentials_from_secret(data)
    app = github_app_from_secret(data, name)
    return await github_credentials(app, data, tokens, proxy=proxy, timeout=spec.timeout)
