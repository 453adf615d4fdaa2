"""Helm repositories: fetch, check and cache an HTTP(S) repository's index, and name its revision."""

from __future__ import annotations

from .cache import HelmSettings, IndexCache
from .client import BasicAuth, ClientOptions, TLSConfig, basic_auth_from_secret, ssl_context, tls_from_secret
from .errors import AuthenticationFailed, FetchFailed, HelmRepoError, InvalidIndex, InvalidURL
from .fetch import Limit, fetch_file, fetch_index
from .index import INDEX_FILE, MAX_INDEX_SIZE, Index, index_url, load_index, revision

__all__ = [
    "INDEX_FILE",
    "MAX_INDEX_SIZE",
    "AuthenticationFailed",
    "BasicAuth",
    "ClientOptions",
    "FetchFailed",
    "HelmRepoError",
    "HelmSettings",
    "Index",
    "IndexCache",
    "InvalidIndex",
    "InvalidURL",
    "Limit",
    "TLSConfig",
    "basic_auth_from_secret",
    "fetch_file",
    "fetch_index",
    "index_url",
    "load_index",
    "revision",
    "ssl_context",
    "tls_from_secret",
]
