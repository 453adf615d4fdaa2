"""Fixtures for notification tests: the Kustomization tests' git source, and a recording notification target."""

from __future__ import annotations

from tests.controllers.kustomize.conftest import git_source
from tests.controllers.notification.targets import recorder

__all__ = ["git_source", "recorder"]
