"""Diagnosis: the chain of reasons from an object that is not Ready to what keeps it so."""

from __future__ import annotations

from .chain import Finding, PodSelector, leads, problem, why_not_ready

__all__ = ["Finding", "PodSelector", "leads", "problem", "why_not_ready"]
