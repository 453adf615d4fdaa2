"""Which artifact an OCIRepository's `spec.ref` means, and the revision Flux names it by.

Precedence is Flux's: `digest` > `semver` (tags filtered by `semverFilter` first) > `tag`, and the tag
`latest` when nothing is set. For Helm chart layers, `_` in a tag stands for SemVer's `+`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reflow.engines.oci.errors import InvalidReference, ReferenceNotFound
from reflow.engines.oci.reference import DEFAULT_TAG, Reference, Repository, check_digest, check_tag
from reflow.engines.semver import InvalidConstraint, NoMatchingVersion, filter_tags, latest_tag

HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


@dataclass(frozen=True, slots=True, kw_only=True)
class RefSpec:
    """`spec.ref` as plain data."""

    digest: str | None = None
    semver: str | None = None
    semver_filter: str | None = None
    tag: str | None = None

    @property
    def needs_tags(self) -> bool:
        """Whether resolving it needs the repository's tag list."""
        return not self.digest and bool(self.semver)


def fixed_reference(repository: Repository, ref: RefSpec) -> Reference | None:
    """The reference when it needs no tag list (digest or tag); None for a semver range."""
    if ref.digest:
        return Reference(repository, digest=check_digest(ref.digest))
    if ref.semver:
        return None
    return Reference(repository, tag=check_tag(ref.tag or DEFAULT_TAG))


def semver_reference(
    repository: Repository, ref: RefSpec, tags: Iterable[str], layer_media_type: str | None
) -> Reference:
    """The newest tag within `ref.semver` among `tags` (after `semverFilter`)."""
    semver = ref.semver or "*"
    helm = layer_media_type == HELM_CHART_LAYER
    try:
        kept = filter_tags(tags, ref.semver_filter)
    except re.error as error:
        message = f"semverFilter '{ref.semver_filter}' is not a valid regular expression: {error}"
        raise InvalidReference(message) from error
    candidates = {tag.replace("_", "+") if helm else tag: tag for tag in kept}
    try:
        match = latest_tag(candidates, semver)
    except InvalidConstraint as error:
        raise InvalidReference(f"semver '{semver}' parse error: {error}") from error
    except NoMatchingVersion as error:
        raise ReferenceNotFound(f"{error}; the repository has {len(candidates)} candidate tags") from error
    return Reference(repository, tag=candidates[match.tag])


def revision(reference: Reference, digest: str) -> str:
    """`<tag>@sha256:<hex>` for a tag, `sha256:<hex>` for a digest reference."""
    return digest if reference.digest else f"{reference.tag or DEFAULT_TAG}@{digest}"


def digest_of(revision: str) -> str:
    """The `sha256:<hex>` part of a revision."""
    return revision.rpartition("@")[2]
