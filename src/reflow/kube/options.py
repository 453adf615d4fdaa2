"""How to reach a cluster: the connection settings behind Flux's global flags, shared by CLI and controllers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_NAMESPACE = "flux-system"
NAMESPACE_ENV = "FLUX_SYSTEM_NAMESPACE"


def default_namespace() -> str:
    """The namespace reflow's own objects live in: `$FLUX_SYSTEM_NAMESPACE`, else `flux-system`."""
    return os.environ.get(NAMESPACE_ENV) or DEFAULT_NAMESPACE


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionOptions:
    """Where the API server is and who reflow is there; every field None/empty means "from the kubeconfig"."""

    kubeconfig: str | None = None
    """Path(s) of kubeconfig files, `:`-separated; None: `$KUBECONFIG`, then `~/.kube/config`, then in-cluster."""
    context: str | None = None
    """The kubeconfig context to use; None: its current-context."""
    server: str | None = None
    """Overrides the cluster's server URL."""
    token: str | None = None
    """A bearer token that replaces the kubeconfig user's credentials."""
    certificate_authority: str | None = None
    """Path of a CA bundle that replaces the cluster's."""
    insecure_skip_tls_verify: bool = False
    """Do not verify the server's certificate (local experiments only)."""
    as_user: str | None = None
    """Impersonate this user (`Impersonate-User`)."""
    as_groups: tuple[str, ...] = field(default_factory=tuple)
    """Impersonate these groups (`Impersonate-Group`, repeated)."""
    qps: float = 50.0
    """Average requests per second to the API server; Flux's default, 50."""
    burst: int = 300
    """Requests allowed at once above the average; Flux's default, 300."""
    request_timeout: float = 30.0
    """Seconds one request may take (watches excepted)."""
    user_agent: str = "reflow"
    """The User-Agent header: audit logs tell reflow's calls apart by it."""
