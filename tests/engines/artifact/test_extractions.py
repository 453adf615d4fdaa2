"""Shared extractions against the real artifact server: one download per digest, however many consumers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from reflow.api.artifact import Artifact
from reflow.engines.artifact import DigestMismatch, Extractions, Storage, artifact_app

SOURCE = "GitRepository/apps/fleet"


@dataclass(slots=True)
class Served:
    """The source side: a storage behind the real artifact server, and every path it was asked for."""

    storage: Storage
    tree: Path
    asked: list[str] = field(default_factory=list)

    async def store(self, files: dict[str, str], name: str = "a.tar.gz") -> Artifact:
        for relative, text in files.items():
            (self.tree / relative).parent.mkdir(parents=True, exist_ok=True)
            (self.tree / relative).write_text(text)
        return await self.storage.archive(f"gitrepository/apps/fleet/{name}", self.tree, f"main@sha1:{name}")

    def url(self, artifact: Artifact) -> str:
        return self.storage.url(artifact.path)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    asked: list[str] = []

    async def record(request: web.Request, _: web.StreamResponse) -> None:
        asked.append(request.path)

    app = artifact_app(tmp_path / "storage")
    app.on_response_prepare.append(record)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        yield Served(Storage(tmp_path / "storage", f"127.0.0.1:{port}"), tmp_path / "tree", asked)
    finally:
        await runner.cleanup()


@pytest.fixture
async def extractions(tmp_path: Path) -> AsyncIterator[Extractions]:
    shared = Extractions(tmp_path / "extractions", max_unused=2)
    yield shared
    await shared.close()


async def test_concurrent_consumers_of_one_revision_share_one_download(
    served: Served, extractions: Extractions
) -> None:
    artifact = await served.store({f"apps/app-{i}/cm.yaml": f"index: {i}\n" for i in range(20)})
    seen: list[Path] = []

    async def consume() -> None:
        async with extractions.open(SOURCE, served.url(artifact), artifact.digest or "") as root:
            seen.append(root)
            assert (root / "apps/app-7/cm.yaml").read_text() == "index: 7\n"

    async with asyncio.TaskGroup() as group:
        for _ in range(50):
            group.create_task(consume())
    assert served.asked == [f"/{artifact.path}"]
    assert extractions.fetches == 1
    assert len(set(seen)) == 1
    async with extractions.open(SOURCE, served.url(artifact), artifact.digest or "") as again:
        assert again == seen[0]  # kept while it is the source's revision
    assert len(served.asked) == 1


async def test_a_new_revision_is_fetched_again_and_the_old_tree_removed(
    served: Served, extractions: Extractions
) -> None:
    first = await served.store({"cm.yaml": "revision: 1\n"}, "1.tar.gz")
    async with extractions.open(SOURCE, served.url(first), first.digest or "") as old:
        assert (old / "cm.yaml").read_text() == "revision: 1\n"
    second = await served.store({"cm.yaml": "revision: 2\n"}, "2.tar.gz")
    async with extractions.open(SOURCE, served.url(second), second.digest or "") as new:
        assert (new / "cm.yaml").read_text() == "revision: 2\n"
        assert new != old
    assert served.asked == [f"/{first.path}", f"/{second.path}"]
    assert not old.exists()
    assert len(extractions) == 1


async def test_an_old_revision_in_use_stays_until_its_last_consumer_is_done(
    served: Served, extractions: Extractions
) -> None:
    first = await served.store({"cm.yaml": "revision: 1\n"}, "1.tar.gz")
    second = await served.store({"cm.yaml": "revision: 2\n"}, "2.tar.gz")
    async with extractions.open(SOURCE, served.url(first), first.digest or "") as old:
        async with extractions.open(SOURCE, served.url(second), second.digest or ""):
            pass
        assert (old / "cm.yaml").read_text() == "revision: 1\n"
    assert not old.exists()


async def test_a_corrupt_artifact_is_refused_every_time_and_leaves_nothing(
    served: Served, extractions: Extractions, tmp_path: Path
) -> None:
    artifact = await served.store({"cm.yaml": "a: 1\n"})
    wrong = "sha256:" + "0" * 64
    for _ in range(2):
        with pytest.raises(DigestMismatch):
            async with extractions.open(SOURCE, served.url(artifact), wrong):
                pytest.fail("a corrupt artifact must not be opened")
    assert len(served.asked) == 2
    assert len(extractions) == 0
    assert list((tmp_path / "extractions").iterdir()) == []
    async with extractions.open(SOURCE, served.url(artifact), artifact.digest or "") as root:
        assert (root / "cm.yaml").read_text() == "a: 1\n"


async def test_unused_extractions_beyond_the_bound_are_removed(served: Served, extractions: Extractions) -> None:
    trees = []
    for index in range(4):
        artifact = await served.store({"cm.yaml": f"i: {index}\n"}, f"{index}.tar.gz")
        async with extractions.open(f"GitRepository/apps/source-{index}", served.url(artifact),
                                    artifact.digest or "") as root:  # fmt: skip
            trees.append(root)
    assert [tree.exists() for tree in trees] == [False, False, True, True]
    assert len(extractions) == 2
