"""ArtifactGenerator's domain: copy operations, YAML merge, pathPattern expansion and content-addressed builds."""

from __future__ import annotations

from .build import Built, build, directories, tarball_digest
from .copy import apply_copy, excluded, match_path
from .errors import GeneratorError, InvalidPattern
from .merge import NotAMapping, load_mapping, merge_values
from .paths import PathError, parse_alias_path, relative_parts
from .pattern import Request, expand, requests_without_pattern
from .revision import ObservedSource, artifact_revision, content_revision, origin_revision, sources_digest

__all__ = [
    "Built",
    "GeneratorError",
    "InvalidPattern",
    "NotAMapping",
    "ObservedSource",
    "PathError",
    "Request",
    "apply_copy",
    "artifact_revision",
    "build",
    "content_revision",
    "directories",
    "excluded",
    "expand",
    "load_mapping",
    "match_path",
    "merge_values",
    "origin_revision",
    "parse_alias_path",
    "relative_parts",
    "requests_without_pattern",
    "sources_digest",
    "tarball_digest",
]
