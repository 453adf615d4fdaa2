"""List the artifacts of a repository as `flux list artifacts` does: which tags, in which order, with what metadata.

Tags are listed by name, greatest first (byte order, not version order), without cosign's `.att`,
`.sbom` and `.sig` tags. `--filter-semver` keeps tags of three dot-separated parts that parse as
versions (a `v` prefix and leading zeros allowed) within the range; `--filter-regex` keeps tags the
expression finds a match in. Both filters apply when both are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reflow.engines.oci.artifact import CREATED, REVISION, SOURCE
from reflow.engines.oci.client import RegistryClient
from reflow.engines.oci.errors import InvalidReference
from reflow.engines.oci.reference import Reference
from reflow.engines.semver import Constraints, InvalidConstraint, InvalidVersion, parse_constraints, parse_version

COSIGN_SUFFIXES = (".att", ".sbom", ".sig")


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedArtifact:
    """One tag of a repository: `url` is `<address>:<tag>`, `digest` its manifest's, and Flux's annotations."""

    url: str
    digest: str
    source: str
    revision: str
    created: str


def _in_range(tag: str, constraints: Constraints) -> bool:
    if len(tag.split(".", 2)) != 3:
        return False
    try:
        return constraints.check(parse_version(tag))
    except InvalidVersion:
        return False


def select_tags(tags: Iterable[str], *, semver: str | None = None, regex: str | None = None) -> list[str]:
    """The tags to list, in listing order; `InvalidReference` names a range or expression that does not parse."""
    try:
        constraints = parse_constraints(semver) if semver else None
    except InvalidConstraint as error:
        raise InvalidReference(f"semver '{semver}' parse error: {error}") from error
    try:
        pattern = re.compile(regex) if regex else None
    except re.error as error:
        raise InvalidReference(f"regex '{regex}' parse error: {error}") from error
    return [
        tag
        for tag in sorted(tags, reverse=True)
        if not tag.endswith(COSIGN_SUFFIXES)
        and (constraints is None or _in_range(tag, constraints))
        and (pattern is None or pattern.search(tag))
    ]


async def list_artifacts(client: RegistryClient, address: str, tags: Iterable[str]) -> list[ListedArtifact]:
    """The manifest digest and annotations of each tag, one manifest request per tag; `address` names the
    repository in the `url` column as the user wrote it."""
    listed = []
    for tag in tags:
        described, manifest, _ = await client.get_manifest(Reference(client.repository, tag=tag))
        notes = manifest.annotations
        listed.append(
            ListedArtifact(
                url=f"{address}:{tag}",
                digest=described.digest,
                source=notes.get(SOURCE, ""),
                revision=notes.get(REVISION, ""),
                created=notes.get(CREATED, ""),
            )
        )
    return listed
