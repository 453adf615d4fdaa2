"""Scenario classes, registered by id in `SCENARIOS` on import (add a module here to add scenarios)."""

from __future__ import annotations

from bench.scenarios import floor, helm, kustomize, many, mttp, push, soak
from bench.scenarios.base import SCENARIOS, RunContext, Scenario

__all__ = ["SCENARIOS", "RunContext", "Scenario", "floor", "helm", "kustomize", "many", "mttp", "push", "soak"]
