"""Typed models for every Flux kind, CRD generation, and the condition, reason and annotation constants."""
