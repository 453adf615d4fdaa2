"""Pytest fixtures running reflow's controllers in-process against the session plane, one test namespace each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from reflow.controllers import registry
from reflow.controllers.options import ControllerOptions, NotificationSettings
from reflow.dev.gobuild import binary
from reflow.engines.artifact import StorageSettings
from reflow.kube.client import Kube
from reflow.runtime.manager import Manager
from tests.managers import StartControllers, settings_for


@pytest.fixture
async def start_controllers(
    kube: Kube, namespace: str, flux_crds: list[Any], tmp_path: Path
) -> AsyncIterator[StartControllers]:
    """Run reflow controllers (by Flux name) watching only the test's namespace; stopped afterwards.

    Charts are packaged with the helm `reflow dev tools` builds.
    Keyword arguments override the runtime settings; `controller_options` the controllers' flags; `client`
    the connection the controllers use (e.g. one with its own user agent, to find its requests in the audit log).
    """
    running = AsyncExitStack()

    async def start(
        *names: str, controller_options: Mapping[str, Any] | None = None, client: Kube | None = None, **overrides: Any
    ) -> Manager:
        settings = settings_for(namespace, min_retry_delay=0.2, max_retry_delay=5, **overrides)
        loopback: dict[str, Any] = {
            "storage": StorageSettings(storage_path=tmp_path / "artifacts", storage_addr="127.0.0.1:0"),
            "notification": NotificationSettings(events_addr="127.0.0.1:0", receiver_addr="127.0.0.1:0"),
            "helm_binary": binary("helm"),
        }
        options = ControllerOptions(**{**loopback, **(controller_options or {})})
        connection = client or kube
        manager = Manager(connection, settings)
        for name in registry.resolve(names):
            registry.setup(name)(manager, connection, settings, options)
        return await running.enter_async_context(manager.running())

    async with running:
        yield start
