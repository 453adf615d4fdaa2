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
