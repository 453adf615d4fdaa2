"""UI fixtures: one Chromium per test session, and a `reflow ui` server on the test's namespace."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from reflow.kube.client import Kube
from reflow.ui.server import Settings, running
from tests.controllers.helm.conftest import charts as charts  # HelmRelease charts, for the HelmRelease diff
from tests.ui.browser import Page, chromium

StartUI = Callable[..., Awaitable[str]]
"""Start a UI server (Settings fields as keywords) and return its base URL."""


@pytest.fixture(scope="session")
def browser() -> Iterator[Page]:
    with chromium() as driver:
        yield Page(driver)


@pytest.fixture
async def start_ui(kube: Kube, namespace: str, flux_crds: list[object]) -> AsyncIterator[StartUI]:
    """Serve the UI for the test's namespace (or every namespace) on a free loopback port; stopped after the test."""
    stack = AsyncExitStack()

    async def start(*, everywhere: bool = False, **fields: Any) -> str:
        settings = Settings(**fields)
        watched = None if everywhere else namespace
        port = await stack.enter_async_context(running(kube, settings, address="127.0.0.1:0", namespace=watched))
        return f"http://127.0.0.1:{port}/"

    async with stack:
        yield start
