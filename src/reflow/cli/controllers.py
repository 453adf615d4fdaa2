"""`reflow controllers`: run reflow's controllers in one process, with Flux's controller flags."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import replace
from pathlib import Path

import click

from reflow.cli.console import fail, run
from reflow.cli.options import Duration, GlobalOptions, global_options
from reflow.controllers import registry
from reflow.controllers.options import ControllerOptions, NotificationSettings
from reflow.dev.gobuild import binary
from reflow.engines.artifact import StorageSettings
from reflow.engines.helmrepo import MAX_INDEX_SIZE, HelmSettings
from reflow.engines.oci import MAX_LAYER_SIZE
from reflow.engines.receiver.gcr import GOOGLE_CERTS_URL
from reflow.kube.client import connect
from reflow.kube.kubeconfig import in_cluster
from reflow.paths import state_dir
from reflow.runtime import logs
from reflow.runtime.features import DEFAULT_GATES, FeatureGates
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

log = logging.getLogger("reflow.controllers")


BOOLEAN_FLAGS = (
    "--watch-all-namespaces",
    "--enable-leader-election",
    "--no-cross-namespace-refs",
    "--no-remote-bases",
    "--allow-unconfined-builds",
    "--insecure-kubeconfig-tls",
)


class GoFlags(click.Command):
    """Takes boolean flags the way Flux's Go controllers do: bare (`--enable-leader-election`) or with `=false`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        normalized = [f"{arg}=true" if arg in BOOLEAN_FLAGS else arg for arg in args]
        return super().parse_args(ctx, normalized)


def default_log_file() -> Path | None:
    """Outside a cluster the manager also writes its log here, for `reflow logs`."""
    return None if in_cluster() else state_dir() / "logs" / "controllers.log"


@click.command("controllers", cls=GoFlags)
@click.option("--all", "run_all", is_flag=True, help="Run every controller reflow has.")
@click.option("--controllers", "names", default="", help="Comma-separated: source,kustomize,… (Flux names also work).")
@click.option(
    "--concurrent",
    type=click.IntRange(1, 256),
    help="Workers per kind (Flux: source 2, others 4), plus half as many for objects whose last run failed.",
)
@click.option("--min-retry-delay", type=Duration(), default="750ms", show_default=True)
@click.option("--max-retry-delay", type=Duration(), default="15m", show_default=True)
@click.option("--requeue-dependency", type=Duration(), default="30s", show_default=True)
@click.option("--interval-jitter-percentage", type=click.FloatRange(0, 100), default=5.0, show_default=True)
@click.option("--watch-all-namespaces", type=click.BOOL, default=True, show_default=True)
@click.option("--watch-label-selector", default=None, help="Reconcile only matching objects (sharding).")
@click.option("--enable-leader-election", type=click.BOOL, default=False, show_default=True)
@click.option("--leader-election-lease-duration", type=Duration(), default="35s", show_default=True)
@click.option("--leader-election-renew-deadline", type=Duration(), default="30s", show_default=True)
@click.option("--leader-election-retry-period", type=Duration(), default="5s", show_default=True)
@click.option("--events-addr", default=None, help="The notification controller's event URL.")
@click.option("--metrics-addr", default=":8080", show_default=True)
@click.option("--health-addr", default=":9440", show_default=True)
@click.option("--feature-gates", default="", help="Name=true,Other=false")
@click.option("--log-level", type=click.Choice(["debug", "info", "error"]), default="info", show_default=True)
@click.option("--log-encoding", type=click.Choice(["json", "console"]), default="json", show_default=True)
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the log here.")
@click.option("--storage-path", type=click.Path(file_okay=False, path_type=Path), help="Artifact storage folder.")
@click.option("--storage-addr", default=":9090", show_default=True, help="Artifact server address.")
@click.option("--storage-adv-addr", default=None, help="host:port written into artifact URLs.")
@click.option("--artifact-retention-ttl", type=Duration(), default="60s", show_default=True)
@click.option("--artifact-retention-records", type=click.IntRange(1), default=2, show_default=True)
@click.option("--helm-index-max-size", type=click.IntRange(1), default=MAX_INDEX_SIZE, show_default=True,
              help="Largest Helm repository index accepted, bytes.")  # fmt: skip
@click.option("--helm-cache-max-size", type=click.IntRange(0), default=0, show_default=True,
              help="Helm indexes kept in memory; 0 disables the cache.")  # fmt: skip
@click.option("--helm-cache-ttl", type=Duration(), default="15m", show_default=True)
@click.option("--oci-layer-max-size", type=click.IntRange(1), default=MAX_LAYER_SIZE, show_default=True,
              help="Largest OCIRepository layer downloaded, bytes.")  # fmt: skip
@click.option("--helm-cache-purge-interval", type=Duration(), default="1m", show_default=True)
@click.option("--helm-chart-max-size", type=click.IntRange(1), default=10 << 20, show_default=True,
              help="Largest Helm chart downloaded or packaged, bytes.")  # fmt: skip
@click.option("--helm-chart-file-max-size", type=click.IntRange(1), default=5 << 20, show_default=True,
              help="Largest file in a Helm chart, bytes.")  # fmt: skip
@click.option("--helm-binary", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="helm packaging charts [default: beside reflow, else on PATH].")  # fmt: skip
@click.option("--concurrent-ssa", type=click.IntRange(1, 256), default=4, show_default=True)
@click.option("--no-cross-namespace-refs", type=click.BOOL, default=False, show_default=True)
@click.option("--no-remote-bases", type=click.BOOL, default=False, show_default=True)
@click.option("--default-service-account", default=None, help="Impersonate it when a Kustomization names none.")
@click.option("--allow-unconfined-builds", type=click.BOOL, default=False, show_default=True,
              help="Build unconfined where neither bubblewrap nor Landlock can start (unsafe).")  # fmt: skip
@click.option("--insecure-kubeconfig-tls", type=click.BOOL, default=False, show_default=True,
              help="Let kubeconfig Secrets for remote clusters skip TLS verification (unsafe).")  # fmt: skip
@click.option("--override-manager", "override_managers", multiple=True, help="Field manager to take over (repeat).")
@click.option("--override-manager-before-dry-run", "override_managers_before_dry_run", multiple=True)
@click.option("--custom-apply-stage-kinds", default="", help="Comma-separated group/Kind applied in their own stage.")
@click.option(
    "--events-listen-addr",
    default=":9690",
    show_default=True,
    help="Where the notification controller takes events (Flux's notification-controller --events-addr).",
)
@click.option("--rate-limit-interval", type=Duration(), default="5m", show_default=True,
              help="A repeated event is sent once per interval.")  # fmt: skip
@click.option("--receiverAddr", "receiver_addr", default=":9292", show_default=True,
              help="Where the Receivers' webhooks are served (notification-controller).")  # fmt: skip
@click.option("--gcr-jwks-url", default=GOOGLE_CERTS_URL, show_default=True,
              help="Google's ID-token keys for gcr Receivers; change it only for tests or air gaps.")  # fmt: skip
@global_options
def controllers(  # one parameter per Flux controller flag
    options: GlobalOptions,
    run_all: bool,
    names: str,
    *,
    concurrent: int | None,
    min_retry_delay: float,
    max_retry_delay: float,
    requeue_dependency: float,
    interval_jitter_percentage: float,
    watch_all_namespaces: bool,
    watch_label_selector: str | None,
    enable_leader_election: bool,
    leader_election_lease_duration: float,
    leader_election_renew_deadline: float,
    leader_election_retry_period: float,
    events_addr: str | None,
    metrics_addr: str,
    health_addr: str,
    feature_gates: str,
    log_level: str,
    log_encoding: str,
    log_file: Path | None,
    storage_path: Path | None,
    storage_addr: str,
    storage_adv_addr: str | None,
    artifact_retention_ttl: float,
    artifact_retention_records: int,
    helm_index_max_size: int,
    helm_cache_max_size: int,
    helm_cache_ttl: float,
    helm_cache_purge_interval: float,
    oci_layer_max_size: int,
    helm_chart_max_size: int,
    helm_chart_file_max_size: int,
    helm_binary: Path | None,
    concurrent_ssa: int,
    no_cross_namespace_refs: bool,
    no_remote_bases: bool,
    default_service_account: str | None,
    allow_unconfined_builds: bool,
    insecure_kubeconfig_tls: bool,
    override_managers: tuple[str, ...],
    override_managers_before_dry_run: tuple[str, ...],
    custom_apply_stage_kinds: str,
    events_listen_addr: str,
    rate_limit_interval: float,
    receiver_addr: str,
    gcr_jwks_url: str,
) -> None:
    """Run reflow's controllers in this process until interrupted.

    In one process the controllers share the metrics (:8080) and health (:9440) endpoints; the
    artifact server listens on --storage-addr (:9090) and the notification controller's event
    endpoint on --events-listen-addr (:9690); the other controllers hand it their events in process.

    \b
    Example:
      reflow controllers --all --storage-path /tmp/artifacts --metrics-addr :18080
    """
    try:
        chosen = registry.available() if run_all else registry.resolve(names.split(","))
    except registry.UnknownController as error:
        fail(str(error), "reflow controllers --help lists the flags; --all runs everything available")
    if not chosen:
        fail("no controllers chosen", "pass --all or --controllers=source,kustomize")
    try:
        gates = FeatureGates.parse(feature_gates, DEFAULT_GATES)
    except ValueError as error:
        fail(str(error))
    settings = RuntimeSettings(
        watch_all_namespaces=watch_all_namespaces,
        runtime_namespace=os.environ.get("RUNTIME_NAMESPACE") or options.namespace,
        watch_label_selector=watch_label_selector or None,
        concurrent=concurrent or 4,
        min_retry_delay=min_retry_delay,
        max_retry_delay=max_retry_delay,
        requeue_dependency=requeue_dependency,
        interval_jitter_percentage=interval_jitter_percentage,
        enable_leader_election=enable_leader_election,
        lease_duration=leader_election_lease_duration,
        renew_deadline=leader_election_renew_deadline,
        retry_period=leader_election_retry_period,
        events_addr=events_addr or None,
        metrics_addr=metrics_addr,
        health_addr=health_addr,
        feature_gates=gates,
    )
    storage = StorageSettings(
        storage_path=storage_path or state_dir() / "artifacts",
        storage_addr=storage_addr,
        storage_adv_addr=storage_adv_addr or "",
        artifact_retention_ttl=artifact_retention_ttl,
        artifact_retention_records=artifact_retention_records,
    )
    controller_options = ControllerOptions(
        storage=storage,
        helm=HelmSettings(
            helm_index_max_size=helm_index_max_size,
            helm_cache_max_size=helm_cache_max_size,
            helm_cache_ttl=helm_cache_ttl,
            helm_cache_purge_interval=helm_cache_purge_interval,
            helm_chart_max_size=helm_chart_max_size,
            helm_chart_file_max_size=helm_chart_file_max_size,
        ),
        oci_layer_max_size=oci_layer_max_size,
        concurrent=concurrent,
        concurrent_ssa=concurrent_ssa,
        no_cross_namespace_refs=no_cross_namespace_refs,
        notification=NotificationSettings(
            events_addr=events_listen_addr,
            rate_limit_interval=rate_limit_interval,
            receiver_addr=receiver_addr,
            gcr_jwks_url=gcr_jwks_url,
        ),
        no_remote_bases=no_remote_bases,
        default_service_account=default_service_account or None,
        allow_unconfined_builds=allow_unconfined_builds,
        insecure_kubeconfig_tls=insecure_kubeconfig_tls,
        override_managers=override_managers,
        override_managers_before_dry_run=override_managers_before_dry_run,
        custom_apply_stage_kinds=tuple(filter(None, custom_apply_stage_kinds.split(","))),
        helm_binary=helm_binary or default_helm(),
    )
    logs.configure(log_level, log_encoding, file=log_file or default_log_file())
    run(_serve(options, settings, controller_options, chosen))


def default_helm() -> Path | None:
    """The helm `reflow dev tools` built, when there is one; else the controller looks on PATH."""
    built = binary("helm")
    return built if built.is_file() else None


async def _serve(
    options: GlobalOptions, settings: RuntimeSettings, controller_options: ControllerOptions, chosen: list[str]
) -> None:
    connection = replace(options.connection, user_agent="reflow")
    async with connect(connection) as kube:
        manager = Manager(kube, settings)
        for name in chosen:
            registry.setup(name)(manager, kube, settings, controller_options)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, manager.stop)
        log.info("starting controllers", extra={"controllers": chosen})
        async with manager.running():
            await manager.stopped()
