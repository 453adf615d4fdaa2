"""Revisions of generated artifacts and the digest of the source revisions they were built from."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from reflow.api.sourceext import OutputArtifact

ORIGIN_REVISION = "org.opencontainers.image.revision"
"""Artifact metadata key of the revision the content came from."""


@dataclass(frozen=True, slots=True)
class ObservedSource:
    """The artifact a source offered when the generator read it."""

    url: str
    revision: str
    digest: str
    origin_revision: str | None = None


def content_revision(digest: str) -> str:
    """`latest@<digest>`: a revision that moves only when the artifact's content does."""
    return f"latest@{digest}"


def artifact_revision(artifact: OutputArtifact, digest: str, sources: Mapping[str, ObservedSource]) -> str:
    """The content revision, or the revision of the source `revision: "@alias"` names."""
    if artifact.revision:
        return sources[artifact.revision.removeprefix("@")].revision
    return content_revision(digest)


def origin_revision(artifact: OutputArtifact, sources: Mapping[str, ObservedSource]) -> str | None:
    """The revision of the source `originRevision: "@alias"` names, for the artifact's metadata."""
    if not artifact.origin_revision:
        return None
    return sources[artifact.origin_revision.removeprefix("@")].revision


def sources_digest(sources: Mapping[str, ObservedSource]) -> str:
    """`sha256:<hex>` over every alias and its source's digest, revision and URL, in alias order."""
    parts = sorted(
        f"{alias}=[digest={source.digest},revision={source.revision},url={source.url}]"
        for alias, source in sources.items()
    )
    return f"sha256:{hashlib.sha256('|'.join(parts).encode()).hexdigest()}"
