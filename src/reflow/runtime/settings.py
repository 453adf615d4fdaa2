"""The runtime's settings, one field per controller flag Flux has, with Flux's defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from reflow.runtime.features import DEFAULT_GATES, FeatureGates


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeSettings:
    """How controllers watch, schedule, elect a leader and report; shared by every controller in a process."""

    # Scope
    watch_all_namespaces: bool = True
    """False: only the runtime namespace is watched (`--watch-all-namespaces=false`)."""
    runtime_namespace: str = "flux-system"
    """`$RUNTIME_NAMESPACE`: where leases live, and the only namespace watched when not watching all."""
    watch_label_selector: str | None = None
    """Only objects matching it are reconciled (sharding: `sharding.fluxcd.io/key=shard1`)."""
    # Scheduling
    concurrent: int = 4
    """Workers per kind (`--concurrent`); Flux's source controller uses 2, the others 4."""
    min_retry_delay: float = 0.75
    """First backoff delay after a failure, seconds (`--min-retry-delay`, 750 ms)."""
    max_retry_delay: float = 900.0
    """Backoff ceiling, seconds (`--max-retry-delay`, 15 min)."""
    requeue_dependency: float = 30.0
    """Retry delay when a dependency is not ready, seconds (`--requeue-dependency`)."""
    interval_jitter_percentage: float = 5.0
    """Intervals vary by ± this percent so that objects spread out (`--interval-jitter-percentage`)."""
    # Leadership
    enable_leader_election: bool = False
    lease_duration: float = 35.0
    renew_deadline: float = 30.0
    retry_period: float = 5.0
    shutdown_grace: float = 10.0
    """Seconds in-flight reconciles get to finish at shutdown before they are cancelled (status untouched)."""
    # Reporting
    events_addr: str | None = None
    """The notification controller's event URL (`--events-addr`); None: Kubernetes Events only."""
    metrics_addr: str = ":8080"
    health_addr: str = ":9440"
    feature_gates: FeatureGates = field(default_factory=lambda: FeatureGates(DEFAULT_GATES))

    @property
    def watch_namespace(self) -> str | None:
        """The namespace informers watch, or None for all."""
        return None if self.watch_all_namespaces else self.runtime_namespace
