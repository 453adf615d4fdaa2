"""Fetching an index from a real chart repository (charts made by helm) on loopback, plain and behind auth + TLS."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.engines.helmrepo import BasicAuth, ClientOptions, FetchFailed, TLSConfig, fetch_index, load_index
from tests.chartrepo import make_repo, serve_repo
from tests.gitservers import free_port, make_tls


async def test_fetches_the_index_helm_wrote(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    repo.add_chart("web", "1.0.0")
    async with serve_repo(repo) as server:
        data = await fetch_index(server.url, ClientOptions())
    assert data == repo.index
    assert [entry["version"] for entry in load_index(data).entries["web"]] == ["1.0.0"]
    assert server.index_requests == 1


async def test_basic_auth_and_tls_from_a_test_ca(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    repo.add_chart("web", "1.0.0")
    tls = make_tls(tmp_path)
    trusted = TLSConfig(ca=tls.ca_cert.read_bytes())
    async with serve_repo(repo, auth=("reader", "s3cret"), tls=tls) as server:
        good = ClientOptions(auth=BasicAuth("reader", "s3cret"), tls=trusted)
        assert await fetch_index(server.url, good) == repo.index
        with pytest.raises(FetchFailed, match="401 Unauthorized \\(the credentials were refused\\)") as refused:
            await fetch_index(server.url, ClientOptions(auth=BasicAuth("reader", "wrong"), tls=trusted))
        assert "wrong" not in str(refused.value)
        with pytest.raises(FetchFailed, match="no credentials were given"):
            await fetch_index(server.url, ClientOptions(tls=trusted))
        with pytest.raises(FetchFailed, match="TLS handshake failed"):
            await fetch_index(server.url, good.__class__(auth=good.auth))


async def test_an_index_over_the_limit_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    repo.add_chart("web", "1.0.0")
    async with serve_repo(repo) as server:
        with pytest.raises(FetchFailed, match=f"larger than the limit of {len(repo.index) - 1} bytes"):
            await fetch_index(server.url, ClientOptions(), max_size=len(repo.index) - 1)
        assert await fetch_index(server.url, ClientOptions(), max_size=len(repo.index)) == repo.index


async def test_an_unreachable_repository_says_so() -> None:
    url = f"http://127.0.0.1:{free_port()}/charts"
    with pytest.raises(FetchFailed, match=f"failed to fetch {url}/index.yaml: Cannot connect"):
        await fetch_index(url, ClientOptions(timeout=5))
