"""Controller fixtures: reflow's controllers running in-process against the session plane, one namespace each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from reflow.api.meta import Manifest
from reflow.controllers import registry
from reflow.controllers.options import ControllerOptions
from reflow.engines.artifact import StorageSettings
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for_items
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

StartControllers = Callable[..., Awaitable[Manager]]


async def events_until(
    kube: Kube, namespace: str, check: Callable[[list[Manifest]], bool], what: str = "recorded"
) -> list[Manifest]:
    """The namespace's Events once `check` holds for them (events are written just after the status)."""
    return await wait_for_items(kube, "v1", "Event", namespace, check, timeout=30, what=what)


@pytest.fixture
async def start_controllers(
    kube: Kube, namespace: str, flux_crds: list[Any], tmp_path: Path
) -> AsyncIterator[StartControllers]:
    """Run reflow controllers (by Flux name) watching only the test's namespace; stopped afterwards.

    Keyword arguments override the runtime settings; `controller_options` the controllers' flags; `client`
    the connection the controllers use (e.g. one with its own user agent, to find its requests in the audit log).
    """
    running = AsyncExitStack()

    async def start(
        *names: str, controller_options: Mapping[str, Any] | None = None, client: Kube | None = None, **overrides: Any
    ) -> Manager:
        settings = RuntimeSettings(
            watch_all_namespaces=False,
            runtime_namespace=namespace,
            min_retry_delay=0.2,
            max_retry_delay=5,
            interval_jitter_percentage=0,
            metrics_addr="127.0.0.1:0",
            health_addr="127.0.0.1:0",
            **overrides,
        )
        options = ControllerOptions(
            storage=StorageSettings(storage_path=tmp_path / "artifacts", storage_addr="127.0.0.1:0"),
            **(controller_options or {}),
        )
        connection = client or kube
        manager = Manager(connection, settings)
        for name in registry.resolve(names):
            registry.setup(name)(manager, connection, settings, options)
        return await running.enter_async_context(manager.running())

    async with running:
        yield start
