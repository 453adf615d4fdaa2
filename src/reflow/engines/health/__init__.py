"""Health of applied objects: reflow's port of the kstatus rules, Flux's Job reader and the check verdict."""

from __future__ import annotations

from .aggregate import Health, Verdict, aggregate, aggregate_status
from .compute import compute
from .flux import health_status
from .status import ObjectStatus, Status, StatusCondition

__all__ = [
    "Health",
    "ObjectStatus",
    "Status",
    "StatusCondition",
    "Verdict",
    "aggregate",
    "aggregate_status",
    "compute",
    "health_status",
]
