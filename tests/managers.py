"""Managers as tests start them: runtime settings scoped to one test namespace, and the controller starter's type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

StartControllers = Callable[..., Awaitable[Manager]]
"""The `start_controllers` fixture: `await start_controllers(*flux_names, controller_options=, client=, **settings)`."""


def settings_for(namespace: str, **overrides: Any) -> RuntimeSettings:
    """Settings watching only `namespace`, without interval jitter, serving metrics and health on free ports."""
    base = RuntimeSettings(
        watch_all_namespaces=False,
        runtime_namespace=namespace,
        interval_jitter_percentage=0,
        metrics_addr="127.0.0.1:0",
        health_addr="127.0.0.1:0",
    )
    return replace(base, **overrides)
