"""Artifact storage layout, URLs, atomic writes, and the retention decision with the GC that applies it."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from reflow.engines.artifact import (
    Storage,
    StorageError,
    StorageSettings,
    StoredFile,
    advertised_address,
    artifact_path,
    garbage,
)


@pytest.mark.parametrize(
    ("files", "current", "ttl", "records", "expected"),
    [
        pytest.param([("a", 100), ("b", 90), ("c", 80)], "a", 60, 2, ("c",), id="keep-newest-two"),
        pytest.param([("a", 100), ("b", 30)], "a", 60, 2, ("b",), id="expired-goes-even-within-records"),
        pytest.param([("a", 10), ("b", 100)], "a", 60, 2, (), id="current-stays-though-expired"),
        pytest.param([("a", 10), ("b", 100), ("c", 95)], "a", 60, 2, ("c",), id="current-counts-as-a-record"),
        pytest.param([("a", 100), ("b", 99), ("c", 98)], "a", 60, 1, ("c", "b"), id="one-record"),
        pytest.param([("a", 100), ("b", 99)], None, 60, 1, ("b",), id="no-current"),
        pytest.param([("a", 100)], "a", 0, 0, (), id="last-good-artifact-always-kept"),
    ],
)
def test_retention_decision(files, current, ttl, records, expected) -> None:
    stored = [StoredFile(name, modified) for name, modified in files]
    assert garbage(stored, current=current, now=100.0, ttl=ttl, records=records) == expected


def test_artifact_path_and_url_follow_flux_layout() -> None:
    path = artifact_path("GitRepository", "flux-system", "podinfo", "abc.tar.gz")
    assert path == "gitrepository/flux-system/podinfo/abc.tar.gz"
    in_cluster = Storage(Path("/data"), "source-controller.flux-system.svc.cluster.local.")
    assert in_cluster.url(path) == f"http://source-controller.flux-system.svc.cluster.local./{path}"
    assert Storage(Path("/data"), "https://artifacts.example/").url(path) == f"https://artifacts.example/{path}"
    with pytest.raises(StorageError):
        artifact_path("GitRepository", "..", "podinfo", "x")
    with pytest.raises(StorageError):
        in_cluster.local_path("../etc/passwd")


def test_advertised_address_prefers_the_setting_then_the_listening_port() -> None:
    assert advertised_address(StorageSettings(storage_adv_addr="source:80"), 1234) == "source:80"
    assert advertised_address(StorageSettings(storage_addr="127.0.0.1:0"), 4321) == "127.0.0.1:4321"
    assert StorageSettings().artifact_retention_ttl == 60.0
    assert StorageSettings().artifact_retention_records == 2


async def test_archive_is_atomic_verifiable_and_collected(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.yaml").write_text("a\n")
    storage = Storage(tmp_path / "data", "127.0.0.1:9090")
    paths = [artifact_path("GitRepository", "ns", "repo", f"{index}.tar.gz") for index in range(4)]
    artifacts = []
    for index, path in enumerate(paths):
        (source / "a.yaml").write_text(f"{index}\n")
        artifacts.append(await storage.archive(path, source, f"main@sha1:{index:040}"))
        os.utime(storage.local_path(path), (time.time() - 10 + index, time.time() - 10 + index))
    current = artifacts[-1]
    assert current.url == f"http://127.0.0.1:9090/{paths[-1]}"
    assert current.revision == f"main@sha1:{3:040}"
    assert current.size == storage.local_path(paths[-1]).stat().st_size
    assert await storage.verify(current)
    directory = storage.local_path(paths[-1]).parent
    assert sorted(path.name for path in directory.iterdir()) == [f"{index}.tar.gz" for index in range(4)]
    removed = await storage.collect_garbage(current, ttl=60, records=2)
    assert removed == (paths[0], paths[1])
    assert sorted(path.name for path in directory.iterdir()) == ["2.tar.gz", "3.tar.gz"]
    storage.local_path(paths[-1]).write_bytes(b"tampered")
    assert not await storage.verify(current)
    await storage.remove_all("GitRepository", "ns", "repo")
    assert not directory.exists()


async def test_store_file_keeps_the_bytes_and_names_their_digest(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "root", "127.0.0.1:9090")
    layer = tmp_path / "layer.tgz"
    layer.write_bytes(b"\x1f\x8b layer bytes")
    path = artifact_path("OCIRepository", "ns", "app", "abc.tar.gz")
    artifact = await storage.store_file(path, layer, "v1@sha256:abc")
    stored = storage.local_path(path)
    assert stored.read_bytes() == layer.read_bytes()
    assert artifact.digest == "sha256:" + hashlib.sha256(layer.read_bytes()).hexdigest()
    assert artifact.size == len(layer.read_bytes())
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(StorageError, match=r"unable to copy 'gone\.tgz'"):
        await storage.store_file(path, tmp_path / "gone.tgz", "v2")
    assert stored.read_bytes() == layer.read_bytes()
