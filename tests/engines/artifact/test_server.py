"""The artifact server over real HTTP: digest ETags, ranges, 404s without listings or escapes; the fetch client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from multidict import CIMultiDict

from reflow.engines.artifact import (
    ArtifactServer,
    ArtifactUnavailable,
    DigestMismatch,
    Storage,
    advertised_address,
    artifact_path,
    fetch_artifact,
    file_digest,
    serve_artifacts,
)
from reflow.engines.artifact.storage import StorageSettings

BODY = bytes(range(256)) * 8  # 2048 bytes


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[ArtifactServer, Path]]:
    root = tmp_path / "data"
    (root / "gitrepository/ns/repo").mkdir(parents=True)
    (root / "gitrepository/ns/repo/abc.tar.gz").write_bytes(BODY)
    (root / "gitrepository/ns/repo/latest.tar.gz").symlink_to("abc.tar.gz")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "gitrepository/ns/repo/escape.tar.gz").symlink_to(tmp_path / "secret.txt")
    (root / "gitrepository/ns/repo/.tmp-k2j4h1x8").write_bytes(b"half a tarball")
    (root / "gitrepository/ns/repo/pending.tar.gz").symlink_to(".tmp-k2j4h1x8")
    (root / ".image-tags/imagerepository/ns/app").mkdir(parents=True)
    (root / ".image-tags/imagerepository/ns/app/tags.json").write_text('{"tags": ["half a tarball"]}')
    (root / "gitrepository/ns/repo/tags.json").symlink_to(root / ".image-tags/imagerepository/ns/app/tags.json")
    async with serve_artifacts(root) as server:
        yield server, root


async def _get(server: ArtifactServer, path: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://{server.address}{path}", headers=headers) as response,
    ):
        return response.status, CIMultiDict(response.headers), await response.read()


async def test_file_is_served_with_a_digest_etag(served: tuple[ArtifactServer, Path]) -> None:
    server, root = served
    status, headers, body = await _get(server, "/gitrepository/ns/repo/abc.tar.gz")
    assert (status, body) == (200, BODY)
    assert headers["ETag"] == f'"{file_digest(root / "gitrepository/ns/repo/abc.tar.gz")}"'
    assert headers["Content-Type"] == "application/gzip"
    assert headers["Accept-Ranges"] == "bytes"
    status, _, body = await _get(server, "/gitrepository/ns/repo/abc.tar.gz", **{"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


@pytest.mark.parametrize(
    ("header", "status", "content_range", "expected"),
    [
        pytest.param("bytes=0-99", 206, "bytes 0-99/2048", BODY[:100], id="first-bytes"),
        pytest.param("bytes=2000-", 206, "bytes 2000-2047/2048", BODY[2000:], id="open-ended"),
        pytest.param("bytes=-48", 206, "bytes 2000-2047/2048", BODY[-48:], id="suffix"),
        pytest.param("bytes=100-99999", 206, "bytes 100-2047/2048", BODY[100:], id="clamped"),
        pytest.param("bytes=5000-6000", 416, "bytes */2048", None, id="unsatisfiable"),
        pytest.param(f"bytes={'9' * 5000}-", 416, "bytes */2048", None, id="5000-digit-first"),
        pytest.param(f"bytes=100-{'9' * 5000}", 206, "bytes 100-2047/2048", BODY[100:], id="5000-digit-last"),
        pytest.param(f"bytes=-{'9' * 5000}", 206, "bytes 0-2047/2048", BODY, id="5000-digit-suffix"),
        pytest.param(f"bytes={'0' * 5000}7-9", 206, "bytes 7-9/2048", BODY[7:10], id="5000-leading-zeros"),
    ],
)
async def test_range_requests(
    served: tuple[ArtifactServer, Path], header: str, status: int, content_range: str, expected: bytes | None
) -> None:
    server, _ = served
    got, headers, body = await _get(server, "/gitrepository/ns/repo/abc.tar.gz", Range=header)
    assert (got, headers["Content-Range"]) == (status, content_range)
    if expected is not None:
        assert body == expected


async def test_if_range_with_a_stale_etag_serves_the_whole_file(served: tuple[ArtifactServer, Path]) -> None:
    server, _ = served
    status, _, body = await _get(
        server, "/gitrepository/ns/repo/abc.tar.gz", Range="bytes=0-9", **{"If-Range": '"sha256:stale"'}
    )
    assert (status, body) == (200, BODY)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/gitrepository/ns/repo/missing.tar.gz", id="missing"),
        pytest.param("/gitrepository/ns/repo/", id="directory-not-listed"),
        pytest.param("/gitrepository", id="directory-without-slash"),
        pytest.param("/gitrepository/ns/repo/escape.tar.gz", id="symlink-out-of-root"),
        pytest.param("/gitrepository/%2e%2e/%2e%2e/secret.txt", id="encoded-dots"),
        pytest.param("/..%2fsecret.txt", id="encoded-slash"),
        pytest.param("/gitrepository/ns/repo/.tmp-k2j4h1x8", id="file-still-being-written"),
        pytest.param("/gitrepository/ns/repo/pending.tar.gz", id="link-to-a-file-still-being-written"),
        pytest.param("/.image-tags/imagerepository/ns/app/tags.json", id="hidden-directory"),
        pytest.param("/gitrepository/ns/repo/tags.json", id="link-into-a-hidden-directory"),
    ],
)
async def test_not_found_without_listing_or_escape(served: tuple[ArtifactServer, Path], path: str) -> None:
    server, _ = served
    status, _, body = await _get(server, path)
    assert status == 404
    assert b"outside" not in body
    assert b"abc.tar.gz" not in body
    assert b"half a tarball" not in body


async def test_root_answers_for_readiness_and_symlinks_inside_are_followed(
    served: tuple[ArtifactServer, Path],
) -> None:
    server, _ = served
    assert (await _get(server, "/"))[0] == 200
    assert (await _get(server, "/gitrepository/ns/repo/latest.tar.gz"))[2] == BODY


async def test_fetch_artifact_downloads_verifies_and_extracts(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "deploy").mkdir(parents=True)
    (source / "deploy/app.yaml").write_text("kind: ConfigMap\n")
    root = tmp_path / "data"
    async with serve_artifacts(root) as server:
        address = advertised_address(StorageSettings(storage_addr="127.0.0.1:0"), server.port)
        storage = Storage(root, address)
        artifact = await storage.archive(artifact_path("GitRepository", "ns", "r", "c.tar.gz"), source, "main@sha1:c")
        assert artifact.url == f"http://127.0.0.1:{server.port}/gitrepository/ns/r/c.tar.gz"
        assert artifact.digest is not None
        extracted = await fetch_artifact(artifact.url, artifact.digest, tmp_path / "out")
        assert (extracted.path / "deploy/app.yaml").read_text() == "kind: ConfigMap\n"
        with pytest.raises(DigestMismatch, match=f"expected 'sha256:{'0' * 64}'"):
            await fetch_artifact(artifact.url, f"sha256:{'0' * 64}", tmp_path / "out2")
        assert not (tmp_path / "out2").exists()
        with pytest.raises(ArtifactUnavailable, match="HTTP 404"):
            await fetch_artifact(artifact.url.replace("c.tar.gz", "d.tar.gz"), artifact.digest, tmp_path / "out3")
