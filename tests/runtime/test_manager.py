"""`async with manager.running()`: up when entered, a start failure raised at once, everything closed when left."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from reflow.kube.client import Kube
from reflow.runtime.manager import Manager
from tests.managers import settings_for

from .widget import WidgetReconciler


async def test_a_manager_that_cannot_start_raises_when_entered(kube: Kube, namespace: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        manager = Manager(kube, settings_for(namespace, health_addr=f"127.0.0.1:{port}"))
        with pytest.raises(OSError, match="address already in use"):
            async with manager.running():
                pytest.fail("the block ran although the health endpoint could not listen")


async def test_leaving_the_block_stops_the_manager_and_closes_its_endpoints(
    kube: Kube, namespace: str, widget_crd: str
) -> None:
    manager = Manager(kube, settings_for(namespace))
    manager.add_controller("widget", WidgetReconciler(kube, manager.watches))
    async with manager.running():
        health = f"http://127.0.0.1:{manager.ports['health']}/readyz"
        informer = manager.controllers[0].informer
        async with asyncio.timeout(30):
            await informer.wait_synced()
        async with aiohttp.ClientSession() as session, session.get(health) as answer:
            assert answer.status == 200
    async with asyncio.timeout(1):
        await manager.stopped()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session, session.get(health):
            pass


async def test_a_failure_inside_the_manager_cuts_the_block_short_and_is_raised_on_leaving(
    kube: Kube, namespace: str
) -> None:
    manager = Manager(kube, settings_for(namespace))
    broken = asyncio.Event()

    async def failing_service() -> None:
        await broken.wait()
        raise RuntimeError("the service broke")

    manager.add_service("failing", failing_service)

    async def wait_on_the_controllers() -> None:
        async with manager.running():
            broken.set()
            async with asyncio.timeout(30):
                await asyncio.Event().wait()  # would wait forever on a manager that is gone

    with pytest.raises(ExceptionGroup) as raised:
        await wait_on_the_controllers()
    assert raised.group_contains(RuntimeError, match="the service broke")
