"""The flags of `reflow controllers` that belong to one controller or another."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reflow.engines.artifact import StorageSettings
from reflow.engines.helmrepo import HelmSettings
from reflow.engines.oci import MAX_LAYER_SIZE
from reflow.engines.receiver.gcr import GOOGLE_CERTS_URL


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationSettings:
    """The notification controller's event endpoint, its rate limit, and the receiver server and its key set."""

    events_addr: str = ":9690"
    """Where the event endpoint listens (Flux's `--events-addr`). Flux's `:9090` is the artifact server's port
    when every controller runs in one process, so reflow's default is `:9690`."""
    rate_limit_interval: float = 300.0
    """Seconds in which a repeated event is sent once (`--rate-limit-interval`, Flux's 5 m)."""
    receiver_addr: str = ":9292"
    """Where the Receivers' webhooks are served (Flux's `--receiverAddr`, same default)."""
    gcr_jwks_url: str = GOOGLE_CERTS_URL
    """The key set `gcr` Receivers verify Google ID tokens with (`--gcr-jwks-url`, reflow's own; Flux always reads
    Google's). Another URL serves tests and air-gapped mirrors of Google's keys."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ControllerOptions:
    """The flags of `reflow controllers` that belong to one controller or another."""

    storage: StorageSettings = field(default_factory=StorageSettings)
    """The source controller's artifact storage and server (`--storage-*`, `--artifact-retention-*`)."""
    helm: HelmSettings = field(default_factory=HelmSettings)
    """The source controller's Helm index limit and cache (`--helm-index-max-size`, `--helm-cache-*`)."""
    oci_layer_max_size: int = MAX_LAYER_SIZE
    """Largest OCIRepository layer downloaded, bytes (`--oci-layer-max-size`; reflow's own, Flux has no limit)."""
    notification: NotificationSettings = field(default_factory=NotificationSettings)
    """The notification controller's endpoints and rate limit (`--events-addr`, `--rate-limit-interval`,
    `--receiverAddr`)."""
    helm_binary: Path | None = None
    """The helm v4 CLI that packages charts from Git and Bucket sources and releases HelmReleases
    (`--helm-binary`); None: helm beside this Python, else the first on PATH."""
    concurrent: int | None = None
    """`--concurrent` when it was given; otherwise each controller uses Flux's default for it."""
    concurrent_ssa: int = 4
    """Server-side apply calls in flight per Kustomization (`--concurrent-ssa`, Flux's 4)."""
    no_cross_namespace_refs: bool = False
    """Refuse sources and dependencies in other namespaces (`--no-cross-namespace-refs`)."""
    no_remote_bases: bool = False
    """Refuse kustomizations with remote bases (`--no-remote-bases`)."""
    default_service_account: str | None = None
    """Impersonate this ServiceAccount when a Kustomization names none (`--default-service-account`)."""
    allow_unconfined_builds: bool = False
    """Run kustomize unconfined where no sandbox (bubblewrap, Landlock) can start (`--allow-unconfined-builds`)."""
    insecure_kubeconfig_tls: bool = False
    """Let a kubeconfig Secret skip the remote server's certificate check (`--insecure-kubeconfig-tls`, Flux's
    flag; off: a man in the middle could read the credentials it carries)."""
    override_managers: tuple[str, ...] = ()
    """Field managers whose fields are taken over at apply (`--override-manager`)."""
    override_managers_before_dry_run: tuple[str, ...] = ()
    """Field managers taken over before the dry-run (`--override-manager-before-dry-run`, Flux 2.10)."""
    custom_apply_stage_kinds: tuple[str, ...] = ()
    """`group/Kind` entries applied in their own stage after the class kinds (`--custom-apply-stage-kinds`)."""
