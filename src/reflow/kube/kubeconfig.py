"""Turns connection options into the client configuration: kubeconfig, flag overrides, or the Pod's identity."""

from __future__ import annotations

import os
from pathlib import Path

from kubernetes.aio.client.configuration import Configuration
from kubernetes.aio.config import (
    ConfigException,
    load_incluster_config,
    load_kube_config,
)

from reflow.kube.errors import ConfigError
from reflow.kube.options import ConnectionOptions

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def kubeconfig_paths(options: ConnectionOptions) -> list[Path]:
    """The kubeconfig files to read, in kubectl's order: the flag, `$KUBECONFIG`, `~/.kube/config`."""
    raw = options.kubeconfig or os.environ.get("KUBECONFIG") or ""
    paths = [Path(p).expanduser() for p in raw.split(os.pathsep) if p]
    if not paths:
        paths = [Path("~/.kube/config").expanduser()]
    return paths


def in_cluster() -> bool:
    """True inside a Pod that has a service account token and the API server's address."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and (SERVICE_ACCOUNT_DIR / "token").exists()


async def load_configuration(options: ConnectionOptions) -> Configuration:
    """A client configuration for these options; raises ConfigError saying what is missing."""
    configuration = Configuration()
    existing = [p for p in kubeconfig_paths(options) if p.exists()]
    try:
        if existing:
            await load_kube_config(
                config_file=os.pathsep.join(str(p) for p in existing),
                context=options.context,
                client_configuration=configuration,
                persist_config=False,
            )
        elif in_cluster() and not options.kubeconfig:
            load_incluster_config(client_configuration=configuration)
        elif options.server:
            configuration.host = options.server
        else:
            wanted = ", ".join(str(p) for p in kubeconfig_paths(options))
            raise ConfigError(
                f"no kubeconfig found (looked at {wanted}) and not running in a Pod; "
                "pass --kubeconfig, set KUBECONFIG, or start a local plane with `reflow dev up`"
            )
    except ConfigException as err:
        raise ConfigError(f"kubeconfig: {err}") from err
    except (OSError, ValueError, KeyError) as err:
        raise ConfigError(f"kubeconfig could not be read: {err}") from err
    _apply_overrides(configuration, options)
    return configuration


def _apply_overrides(configuration: Configuration, options: ConnectionOptions) -> None:
    if options.server:
        configuration.host = options.server
    if options.token:
        configuration.api_key = {"authorization": options.token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        configuration.cert_file = None
        configuration.key_file = None
        configuration.refresh_api_key_hook = None
    if options.certificate_authority:
        configuration.ssl_ca_cert = options.certificate_authority
    if options.insecure_skip_tls_verify:
        configuration.verify_ssl = False
