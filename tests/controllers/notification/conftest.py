"""Fixtures for notification tests: a recording target (the git source is in tests/fixtures_sources)."""

from __future__ import annotations

from tests.controllers.notification.targets import recorder

__all__ = ["recorder"]
