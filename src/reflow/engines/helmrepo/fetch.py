"""Download a repository's `index.yaml` (or a chart) over HTTP(S), bounded in size and time.

Every run downloads the whole index, as Flux does: Helm repositories (GitHub Pages, S3, ChartMuseum)
rarely answer `If-None-Match` reliably, and the revision is the digest of the bytes, so an unchanged
index is recognised after one request and nothing is written. Redirects are followed; aiohttp drops the
Authorization header when a redirect leads to another origin. The controller's HTTPS_PROXY/NO_PROXY
environment applies (HelmRepository has no proxy field of its own).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from reflow.engines.helmrepo.client import ClientOptions, ssl_context
from reflow.engines.helmrepo.errors import FetchFailed
from reflow.engines.helmrepo.index import MAX_INDEX_SIZE, index_url

CHUNK = 64 * 1024


async def fetch_index(url: str, options: ClientOptions, *, max_size: int = MAX_INDEX_SIZE, name: str = "") -> bytes:
    """The bytes of the index of the repository at `url`; FetchFailed says why they could not be had."""
    limit = Limit(max_size, "the index", "--helm-index-max-size")
    return await fetch_file(index_url(url), url, options, limit=limit, name=name)


@dataclass(frozen=True, slots=True)
class Limit:
    """The largest body accepted, bytes, with what the body is and the flag that sets the limit (for messages)."""

    size: int
    what: str
    flag: str


async def fetch_file(
    address: str, repository_url: str, options: ClientOptions, *, limit: Limit, name: str = ""
) -> bytes:
    """The bytes at `address`, a file of the repository at `repository_url` (which decides where the
    credentials go); FetchFailed says why they could not be had. `name` names the Secret in TLS errors."""
    context = ssl_context(options.tls, name)
    auth = options.auth_for(address, repository_url)
    headers = {"Authorization": aiohttp.encode_basic_auth(auth.username, auth.password)} if auth else {}
    timeout = aiohttp.ClientTimeout(total=options.timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=True) as session,
            session.get(address, ssl=context, headers=headers) as response,
        ):
            if response.status in (401, 403):
                said = "no credentials were given" if auth is None else "the credentials were refused"
                raise FetchFailed(f"failed to fetch {address}: {response.status} {response.reason} ({said})")
            if response.status != 200:
                raise FetchFailed(f"failed to fetch {address}: {response.status} {response.reason}")
            if (response.content_length or 0) > limit.size:
                raise FetchFailed(too_big(address, limit))
            return await _read(response, address, limit)
    except TimeoutError as error:
        raise FetchFailed(f"failed to fetch {address}: no answer within {options.timeout:g}s") from error
    except aiohttp.ClientSSLError as error:
        raise FetchFailed(f"failed to fetch {address}: TLS handshake failed: {error.__cause__ or error}") from error
    except (aiohttp.ClientError, OSError) as error:
        raise FetchFailed(f"failed to fetch {address}: {error}") from error


def too_big(address: str, limit: Limit) -> str:
    return f"failed to fetch {address}: {limit.what} is larger than the limit of {limit.size} bytes ({limit.flag})"


async def _read(response: aiohttp.ClientResponse, address: str, limit: Limit) -> bytes:
    """The body, refused as soon as it passes the limit (a server may not announce its length)."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk
        if len(body) > limit.size:
            raise FetchFailed(too_big(address, limit))
    return bytes(body)
