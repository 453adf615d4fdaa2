"""ImageRepository scan decisions: the canonical name, which tags to keep, the status sample, and when to scan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from reflow.engines.image.extract import InvalidPattern, compile_pattern

LATEST_TAGS = 10
"""How many tags `status.lastScanResult.latestTags` shows (Flux's sample size)."""
DOCKER_HUB_REGISTRIES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


def canonical_name(registry: str, path: str) -> str:
    """The image name with its implied parts spelled out, as Flux documents it: `docker.io/library/alpine`."""
    if registry in DOCKER_HUB_REGISTRIES:
        return f"docker.io/{path if '/' in path else 'library/' + path}"
    return f"{registry}/{path}"


def excluded(tags: Iterable[str], patterns: Sequence[str]) -> list[str]:
    """The tags no exclusion pattern (RE2, searched anywhere in the tag) matches, in listing order."""
    try:
        compiled = [compile_pattern(pattern) for pattern in patterns]
    except InvalidPattern as error:
        raise InvalidPattern(f"spec.exclusionList: {error}") from error
    return [tag for tag in tags if not any(regex.search(tag) for regex in compiled)]


def latest_tags(tags: Iterable[str]) -> list[str]:
    """The status sample: the tags in descending string order, the first ten (as Flux sorts them)."""
    return sorted(tags, reverse=True)[:LATEST_TAGS]


def scan_reason(
    *,
    last_scan: datetime | None,
    now: datetime,
    interval: float,
    requested: bool,
    name_changed: bool,
    exclusions_changed: bool,
    stored: bool,
) -> str | None:
    """Why the repository must be scanned now (Flux's reasons), or None when the last scan still stands."""
    if last_scan is None:
        return "first scan"
    if requested:
        return "reconcile requested"
    if name_changed:
        return "new image name"
    if exclusions_changed:
        return "updated exclusion list"
    if not stored:
        return "no tags in storage"
    if (now - last_scan).total_seconds() >= interval:
        return "triggered by interval"
    return None
