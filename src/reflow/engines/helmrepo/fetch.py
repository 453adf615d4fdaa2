"""Download a repository's `index.yaml` over HTTP(S), bounded in size and time.

Every run downloads the whole index, as Flux does: Helm repositories (GitHub Pages, S3, ChartMuseum)
rarely answer `If-None-Match` reliably, and the revision is the digest of the bytes, so an unchanged
index is recognised after one request and nothing is written. Redirects are followed; aiohttp drops the
Authorization header when a redirect leads to another origin. The controller's HTTPS_PROXY/NO_PROXY
environment applies (HelmRepository has no proxy field of its own).
"""

from __future__ import annotations

import aiohttp

from reflow.engines.helmrepo.client import ClientOptions, ssl_context
from reflow.engines.helmrepo.errors import FetchFailed
from reflow.engines.helmrepo.index import MAX_INDEX_SIZE, index_url

CHUNK = 64 * 1024


async def fetch_index(url: str, options: ClientOptions, *, max_size: int = MAX_INDEX_SIZE, name: str = "") -> bytes:
    """The bytes of the index of the repository at `url`; FetchFailed says why they could not be had."""
    address = index_url(url)
    context = ssl_context(options.tls, name)
    auth = options.auth_for(address, url)
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
            if (response.content_length or 0) > max_size:
                raise FetchFailed(too_big(address, max_size))
            return await _read(response, address, max_size)
    except TimeoutError as error:
        raise FetchFailed(f"failed to fetch {address}: no answer within {options.timeout:g}s") from error
    except aiohttp.ClientSSLError as error:
        raise FetchFailed(f"failed to fetch {address}: TLS handshake failed: {error.__cause__ or error}") from error
    except (aiohttp.ClientError, OSError) as error:
        raise FetchFailed(f"failed to fetch {address}: {error}") from error


def too_big(address: str, max_size: int) -> str:
    return f"failed to fetch {address}: the index is larger than the limit of {max_size} bytes (--helm-index-max-size)"


async def _read(response: aiohttp.ClientResponse, address: str, max_size: int) -> bytes:
    """The body, refused as soon as it passes `max_size` (a server may not announce its length)."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk
        if len(body) > max_size:
            raise FetchFailed(too_big(address, max_size))
    return bytes(body)
