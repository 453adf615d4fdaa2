"""Runtime fixtures: the Widget CRD on the session plane, and managers running the Widget controller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.controller import Controller
from reflow.runtime.manager import Manager
from tests.managers import settings_for
from tests.manifests import established
from tests.runtime.widget import CRD, StartManager, WidgetReconciler


@pytest.fixture(scope="session")
async def widget_crd(kube: Kube) -> str:
    applied = await kube.apply(CRD, field_manager="reflow-tests")
    await wait_for(kube, ObjectRef.of(applied), established, timeout=30, what="Established")
    return str(applied["metadata"]["name"])


@pytest.fixture
async def start_manager(kube: Kube, widget_crd: str, namespace: str) -> AsyncIterator[StartManager]:
    """Start managers running the Widget controller in the test's namespace; all are stopped afterwards."""
    async with AsyncExitStack() as running:

        async def start(**overrides: Any) -> tuple[Manager, Controller[Manifest], WidgetReconciler]:
            settings = settings_for(namespace, concurrent=2, min_retry_delay=0.05, max_retry_delay=0.4, **overrides)
            manager = Manager(kube, settings)
            reconciler = WidgetReconciler(kube, manager.watches)
            controller = manager.add_controller("widget", reconciler)
            await running.enter_async_context(manager.running())
            return manager, controller, reconciler

        yield start
