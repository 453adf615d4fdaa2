"""The object index of a bucket: which keys go into the artifact, and the revision they make."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from reflow.api.conditions import ILLEGAL_PATH
from reflow.engines.bucket.errors import BucketError
from reflow.engines.sourceignore import Matcher

SOURCEIGNORE = ".sourceignore"
"""Flux reads ignore rules from this object at the root of the bucket (or of `spec.prefix`)."""


class UnsafeKey(BucketError):
    """An object key that would be written outside the download directory."""

    reason = ILLEGAL_PATH


def check_key(key: str) -> tuple[str, ...]:
    """The `/`-separated parts of an object key, or `UnsafeKey` when it is absolute or climbs with `..`."""
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise UnsafeKey(f"object key '{key}' is absolute or not a plain path; refusing to download it")
    parts = tuple(part for part in key.split("/") if part not in ("", "."))
    if ".." in parts or not parts:
        raise UnsafeKey(f"object key '{key}' leaves the bucket's directory; refusing to download it")
    return parts


def select(listing: Iterable[tuple[str, str]], matcher: Matcher) -> dict[str, str]:
    """The index (key → etag) of the listed objects the ignore rules keep; "directory" keys ending in `/` are
    skipped, and every kept key is checked to stay inside the download directory."""
    index: dict[str, str] = {}
    for key, etag in listing:
        if key.endswith("/"):
            continue
        if matcher.excludes("/".join(check_key(key)), False):
            continue
        index[key] = etag
    return index


def index_digest(index: Mapping[str, str]) -> str:
    """The revision of an index, as Flux computes it.

    Flux (source-controller `internal/index`, `Digester.Digest`) writes one line `<key> <etag>\\n` per
    object, keys sorted, into a SHA-256 hash and uses the `sha256:<hex>` digest as the Bucket's revision.
    """
    digest = hashlib.sha256()
    for key in sorted(index):
        digest.update(f"{key} {index[key]}\n".encode())
    return f"sha256:{digest.hexdigest()}"


def local_path(root: PurePosixPath, key: str) -> PurePosixPath:
    """Where an object is written under `root`."""
    return root.joinpath(*check_key(key))
