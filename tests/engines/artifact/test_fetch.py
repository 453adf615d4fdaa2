"""The artifact fetch client against real loopback HTTP servers: only Flux's digests, never a redirect."""

from __future__ import annotations

import hashlib
import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from reflow.engines.artifact import ArtifactUnavailable, DigestMismatch, fetch_artifact
from tests.loopback import loopback


def _tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("app.yaml")
        info.size = len(b"kind: ConfigMap\n")
        tar.addfile(info, io.BytesIO(b"kind: ConfigMap\n"))
    return buffer.getvalue()


TARBALL = _tarball()


@dataclass(slots=True)
class Recorder:
    """A handler that serves the tarball at `/a.tar.gz` and records every path asked."""

    redirect_to: str | None = None
    paths: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        if self.redirect_to is not None:
            raise web.HTTPFound(self.redirect_to)
        return web.Response(body=TARBALL)


SHA256 = f"sha256:{hashlib.sha256(TARBALL).hexdigest()}"


@pytest.mark.parametrize(
    ("digest", "message"),
    [
        pytest.param(f"md5:{hashlib.md5(TARBALL).hexdigest()}", "unsupported digest algorithm 'md5'", id="md5"),
        pytest.param(f"sha1:{hashlib.sha1(TARBALL).hexdigest()}", "unsupported digest algorithm 'sha1'", id="sha1"),
        pytest.param(f"shake_128:{'0' * 32}", "unsupported digest algorithm 'shake_128'", id="shake_128"),
        pytest.param(f"blake3:{'0' * 64}", "unsupported digest algorithm 'blake3'", id="blake3"),
        pytest.param(SHA256.upper().replace("SHA256", "sha256"), "64 lowercase hex digits", id="uppercase-hex"),
        pytest.param(SHA256[:-2], "64 lowercase hex digits", id="short"),
        pytest.param("sha256", "unsupported|64 lowercase hex digits", id="no-hex"),
    ],
)
async def test_only_flux_digests_are_accepted_and_nothing_is_downloaded_otherwise(
    tmp_path: Path, digest: str, message: str
) -> None:
    server = Recorder()
    async with loopback() as serve:
        port = await serve(server.handle, "127.0.0.1")
        with pytest.raises(DigestMismatch, match=message):
            await fetch_artifact(f"http://127.0.0.1:{port}/a.tar.gz", digest, tmp_path / "out")
    assert server.paths == []
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
async def test_sha2_digests_verify(tmp_path: Path, algorithm: str) -> None:
    digest = f"{algorithm}:{hashlib.new(algorithm, TARBALL).hexdigest()}"
    async with loopback() as serve:
        port = await serve(Recorder().handle, "127.0.0.1")
        extracted = await fetch_artifact(f"http://127.0.0.1:{port}/a.tar.gz", digest, tmp_path / "out")
    assert (extracted.path / "app.yaml").read_bytes() == b"kind: ConfigMap\n"


async def test_a_redirect_to_another_host_is_not_followed(tmp_path: Path) -> None:
    elsewhere = Recorder()
    async with loopback() as serve:
        elsewhere_port = await serve(elsewhere.handle, "127.0.0.2")
        mover = Recorder(redirect_to=f"http://127.0.0.2:{elsewhere_port}/a.tar.gz")
        port = await serve(mover.handle, "127.0.0.1")
        with pytest.raises(ArtifactUnavailable, match=r"HTTP 302 redirects to .* and redirects are not followed"):
            await fetch_artifact(f"http://127.0.0.1:{port}/a.tar.gz", SHA256, tmp_path / "out")
    assert (mover.paths, elsewhere.paths) == (["/a.tar.gz"], [])
    assert not (tmp_path / "out").exists()
