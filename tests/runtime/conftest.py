"""Runtime fixtures: the Widget CRD on the session plane, and managers running the Widget controller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

import pytest

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.controller import Controller
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

from .widget import CRD, WidgetReconciler

StartManager = Callable[..., Awaitable[tuple[Manager, Controller[Manifest], WidgetReconciler]]]


def established(obj: Manifest | None) -> bool:
    conditions = ((obj or {}).get("status") or {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


@pytest.fixture(scope="session")
async def widget_crd(kube: Kube) -> str:
    applied = await kube.apply(CRD, field_manager="reflow-tests")
    await wait_for(kube, ObjectRef.of(applied), established, timeout=30, what="Established")
    return str(applied["metadata"]["name"])


def settings_for(namespace: str, **overrides: Any) -> RuntimeSettings:
    base = RuntimeSettings(
        watch_all_namespaces=False,
        runtime_namespace=namespace,
        concurrent=2,
        min_retry_delay=0.05,
        max_retry_delay=0.4,
        interval_jitter_percentage=0,
        metrics_addr="127.0.0.1:0",
        health_addr="127.0.0.1:0",
    )
    return replace(base, **overrides)


@pytest.fixture
async def start_manager(kube: Kube, widget_crd: str, namespace: str) -> AsyncIterator[StartManager]:
    """Start managers running the Widget controller in the test's namespace; all are stopped afterwards."""
    async with AsyncExitStack() as running:

        async def start(**overrides: Any) -> tuple[Manager, Controller[Manifest], WidgetReconciler]:
            manager = Manager(kube, settings_for(namespace, **overrides))
            reconciler = WidgetReconciler(kube, manager.watches)
            controller = manager.add_controller("widget", reconciler)
            await running.enter_async_context(manager.running())
            return manager, controller, reconciler

        yield start
