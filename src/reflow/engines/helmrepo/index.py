"""A Helm repository index: where it lives, its revision, and whether the fetched bytes are a usable index.

The revision is the sha256 digest of the index bytes exactly as fetched, as Flux's source-controller
computes it (it digests the downloaded file, not the sorted or re-encoded index; its older docs say
otherwise). The same bytes are stored as the artifact, so a consumer can check the artifact's digest
against the revision. (Flux stores a JSON rendering of the parsed index instead, which any YAML reader
also loads; its digest then differs from the revision.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from reflow.engines.helmrepo.errors import InvalidIndex, InvalidURL

MAX_INDEX_SIZE = 50 * 1024 * 1024
"""Largest index accepted, bytes: Flux's default `--helm-index-max-size` (50 MiB)."""
INDEX_FILE = "index.yaml"


@dataclass(frozen=True, slots=True)
class Index:
    """A parsed index: its API version and, per chart name, the entries of its versions as written."""

    api_version: str
    entries: Mapping[str, tuple[Mapping[str, Any], ...]]


def index_url(url: str) -> str:
    """The address of the repository's `index.yaml`: the URL without its trailing slashes, plus the file."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise InvalidURL(f"invalid Helm repository URL '{url}': {error}") from error
    if parts.scheme == "oci":
        raise InvalidURL("invalid Helm repository URL: 'oci' URL scheme cannot be used with 'default' type")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURL(f"invalid Helm repository URL '{url}': it must start with http:// or https:// and name a host")
    path = parts.path.rstrip("/")
    return urlunsplit(parts._replace(path=f"{path}/{INDEX_FILE}", fragment=""))


def revision(data: bytes) -> str:
    """The artifact revision of an index: `sha256:` and the hex digest of the fetched bytes."""
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def load_index(data: bytes) -> Index:
    """Parse and check an index as Helm does: YAML with an `apiVersion`; malformed chart versions are dropped."""
    if not data.strip():
        raise InvalidIndex("the index is empty")
    try:
        document = yaml.load(data, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise InvalidIndex(f"the index is not valid YAML{line}") from error
    if not isinstance(document, dict):
        raise InvalidIndex("the index is not a YAML mapping")
    api_version = document.get("apiVersion")
    if not isinstance(api_version, str) or not api_version:
        raise InvalidIndex("the index has no apiVersion")
    entries = document.get("entries") or {}
    if not isinstance(entries, dict):
        raise InvalidIndex("the index's entries are not a mapping of chart names to versions")
    return Index(api_version=api_version, entries={str(name): _versions(found) for name, found in entries.items()})


def _versions(found: object) -> tuple[Mapping[str, Any], ...]:
    """The chart versions that name a chart and a version; Helm skips the others."""
    if not isinstance(found, list):
        return ()
    return tuple(
        entry
        for entry in found
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry.get("version") not in (None, "")
    )
