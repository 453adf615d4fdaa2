"""Prometheus metrics under controller-runtime's names plus Flux's `gotk_*`, in one registry per process."""

from __future__ import annotations

import contextlib

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from reflow.api.conditions import READY

_RECONCILE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    """Every metric a reflow process exports; controllers and queues label them by controller name."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._condition_types: set[str] = set()
        registry = self.registry
        self.reconcile_total = Counter(
            "controller_runtime_reconcile_total",
            "Reconciles per controller and result (success, error, requeue, requeue_after).",
            ["controller", "result"],
            registry=registry,
        )
        self.reconcile_errors = Counter(
            "controller_runtime_reconcile_errors_total",
            "Reconciles that ended in an error, per controller.",
            ["controller"],
            registry=registry,
        )
        self.reconcile_time = Histogram(
            "controller_runtime_reconcile_time_seconds",
            "Seconds per reconcile, per controller.",
            ["controller"],
            buckets=_RECONCILE_BUCKETS,
            registry=registry,
        )
        self.active_workers = Gauge(
            "controller_runtime_active_workers",
            "Workers reconciling right now, per controller.",
            ["controller"],
            registry=registry,
        )
        self.queue_depth = Gauge("workqueue_depth", "Keys waiting in the work queue.", ["name"], registry=registry)
        self.queue_adds = Counter(
            "workqueue_adds_total", "Keys handed out by the work queue.", ["name"], registry=registry
        )
        self.queue_latency = Histogram(
            "workqueue_queue_duration_seconds",
            "Seconds a key waited in the queue before a worker took it.",
            ["name"],
            buckets=_RECONCILE_BUCKETS,
            registry=registry,
        )
        self.queue_retries = Counter(
            "workqueue_retries_total", "Keys queued again after a failure.", ["name"], registry=registry
        )
        self.gotk_duration = Histogram(
            "gotk_reconcile_duration_seconds",
            "Seconds per reconcile of one object.",
            ["kind", "name", "namespace"],
            buckets=_RECONCILE_BUCKETS,
            registry=registry,
        )
        self.gotk_condition = Gauge(
            "gotk_reconcile_condition",
            "1 for the status an object's condition has now, 0 for the others.",
            ["kind", "name", "namespace", "type", "status"],
            registry=registry,
        )
        self.gotk_suspend = Gauge(
            "gotk_suspend_status", "1 while an object is suspended.", ["kind", "name", "namespace"], registry=registry
        )

    def record_condition(self, kind: str, namespace: str, name: str, condition: str, status: str) -> None:
        """Set the condition gauge: 1 for `status`, 0 for the other two."""
        self._condition_types.add(condition)
        for value in ("True", "False", "Unknown"):
            labels = {"kind": kind, "name": name, "namespace": namespace, "type": condition, "status": value}
            self.gotk_condition.labels(**labels).set(1 if value == status else 0)

    def forget_condition(self, kind: str, namespace: str, name: str, condition: str) -> None:
        """Drop an object's series of one condition (the condition was removed)."""
        for value in ("True", "False", "Unknown"):
            with contextlib.suppress(KeyError):
                self.gotk_condition.remove(kind, name, namespace, condition, value)

    def forget_object(self, kind: str, namespace: str, name: str) -> None:
        """Drop a deleted object's series."""
        for condition in sorted(self._condition_types | {READY}):
            self.forget_condition(kind, namespace, name, condition)
