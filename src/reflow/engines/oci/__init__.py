"""OCI registries: reflow's own distribution client, Flux's artifact format, and OCIRepository's decisions."""

from __future__ import annotations

from .artifact import (
    CONFIG_MEDIA_TYPE,
    CONTENT_MEDIA_TYPE,
    CREATED,
    EMPTY_CONFIG,
    EPOCH,
    REVISION,
    SOURCE,
    artifact_annotations,
    check_created,
    config_descriptor,
    created_now,
    manifest_bytes,
)
from .auth import Credentials, KeyEntry, credentials_for, docker_config_entries, key_matches, parse_challenge
from .client import MAX_LAYER_SIZE, RegistryClient, candidate_schemes, next_link
from .diff import artifact_differs, same_layer
from .errors import (
    AuthenticationFailed,
    InvalidReference,
    LayerFailed,
    OCIError,
    PushFailed,
    ReferenceNotFound,
    Unreachable,
)
from .layer import DEFAULT_IGNORE, Layer, build_layer, ignore_matcher, tar_digest, write_layer
from .listing import ListedArtifact, list_artifacts, select_tags
from .manifest import ACCEPT, OCI_MANIFEST, Descriptor, Manifest, parse_manifest, platform_manifest, select_layer
from .pull import Pulled, pull_artifact
from .push import Pushed, push_artifact
from .reference import Reference, Repository, parse_reference, parse_repository
from .resolve import RefSpec, digest_of, fixed_reference, revision, semver_reference
from .symlinks import resolve_symlinks
from .tag import tag_artifact
from .transport import AuthCache, Transport, tls_from_secret

__all__ = [
    "ACCEPT",
    "CONFIG_MEDIA_TYPE",
    "CONTENT_MEDIA_TYPE",
    "CREATED",
    "DEFAULT_IGNORE",
    "EMPTY_CONFIG",
    "EPOCH",
    "MAX_LAYER_SIZE",
    "OCI_MANIFEST",
    "REVISION",
    "SOURCE",
    "AuthCache",
    "AuthenticationFailed",
    "Credentials",
    "Descriptor",
    "InvalidReference",
    "KeyEntry",
    "Layer",
    "LayerFailed",
    "ListedArtifact",
    "Manifest",
    "OCIError",
    "Pulled",
    "PushFailed",
    "Pushed",
    "RefSpec",
    "Reference",
    "ReferenceNotFound",
    "RegistryClient",
    "Repository",
    "Transport",
    "Unreachable",
    "artifact_annotations",
    "artifact_differs",
    "build_layer",
    "candidate_schemes",
    "check_created",
    "config_descriptor",
    "created_now",
    "credentials_for",
    "digest_of",
    "docker_config_entries",
    "fixed_reference",
    "ignore_matcher",
    "key_matches",
    "list_artifacts",
    "manifest_bytes",
    "next_link",
    "parse_challenge",
    "parse_manifest",
    "parse_reference",
    "parse_repository",
    "platform_manifest",
    "pull_artifact",
    "push_artifact",
    "resolve_symlinks",
    "revision",
    "same_layer",
    "select_layer",
    "select_tags",
    "semver_reference",
    "tag_artifact",
    "tar_digest",
    "tls_from_secret",
    "write_layer",
]
