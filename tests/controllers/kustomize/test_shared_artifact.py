"""Kustomizations on one source share its artifact: one download per revision, counted on the artifact server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from reflow.api.meta import ObjectRef
from reflow.engines.artifact import StorageSettings, artifact_app
from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import MakeSource, ready_for
from tests.managers import StartControllers

APPS = 6


@dataclass(slots=True)
class CountingServer:
    """The artifact server on the controllers' storage, recording every path asked for."""

    address: str
    asked: list[str] = field(default_factory=list)

    def tarballs(self) -> list[str]:
        return [path for path in self.asked if path.endswith(".tar.gz")]


@pytest.fixture
async def counting(tmp_path: Path) -> AsyncIterator[CountingServer]:
    asked: list[str] = []

    async def record(request: web.Request, _: web.StreamResponse) -> None:
        asked.append(request.path)

    (tmp_path / "artifacts").mkdir()
    app = artifact_app(tmp_path / "artifacts")
    app.on_response_prepare.append(record)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield CountingServer(f"127.0.0.1:{runner.addresses[0][1]}", asked)
    finally:
        await runner.cleanup()


def config_map(name: str, value: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: {value}\n"


def app_files(value: str) -> dict[str, str]:
    """Half the apps with a kustomization.yaml (built on the shared tree), half without (generated, on a copy)."""
    files = {f"apps/app-{i}/cm.yaml": config_map(f"cm-{i}", value) for i in range(APPS)}
    files.update({f"apps/app-{i}/kustomization.yaml": "resources:\n- cm.yaml\n" for i in range(0, APPS, 2)})
    return files


async def test_kustomizations_of_one_revision_download_it_once_and_a_new_revision_once_more(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_source: MakeSource,
    counting: CountingServer,
    tmp_path: Path,
) -> None:
    source, first = await git_source(app_files("one"))
    storage = StorageSettings(storage_path=tmp_path / "artifacts", storage_addr="127.0.0.1:0",
                              storage_adv_addr=counting.address)  # fmt: skip
    await start_controllers("source", "kustomize", controller_options={"storage": storage})
    names = [f"app-{i}" for i in range(APPS)]
    for name in names:
        await kube.create(source.kustomization(name, path=f"./apps/{name}", targetNamespace=namespace))
    await asyncio.gather(*(source.until(name, ready_for(first)) for name in names))
    assert len(counting.tarballs()) == 1

    second = source.commit(app_files("two"), "every app to two")  # type: ignore[arg-type]
    await source.refresh("push-1")
    await asyncio.gather(*(source.until(name, ready_for(second)) for name in names))
    tarballs = counting.tarballs()
    assert len(tarballs) == 2
    assert tarballs[0] != tarballs[1]
    for i in range(APPS):
        live = await kube.get(ObjectRef("v1", "ConfigMap", f"cm-{i}", namespace))
        assert live["data"] == {"value": "two"}
