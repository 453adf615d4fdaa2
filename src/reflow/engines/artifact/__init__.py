"""Artifacts: build reproducible tarballs, keep them in storage, serve them, and fetch them safely."""

from __future__ import annotations

from .archive import Archived, Entry, artifact_matcher, entries, file_digest, write_tarball
from .errors import ArchiveTooLarge, ArtifactError, ArtifactUnavailable, DigestMismatch, UnsafeArchive, UnsafeInclude
from .extract import Extracted, ExtractLimits, extract_into, extract_tarball
from .extractions import Extractions
from .fetch import FetchOptions, download, fetch_artifact
from .include import copy_include, include_parts
from .retention import StoredFile, garbage, stored_files
from .server import ArtifactServer, artifact_app, serve_artifacts
from .storage import Storage, StorageError, StorageSettings, advertised_address, artifact_path

__all__ = [
    "ArchiveTooLarge",
    "Archived",
    "ArtifactError",
    "ArtifactServer",
    "ArtifactUnavailable",
    "DigestMismatch",
    "Entry",
    "ExtractLimits",
    "Extracted",
    "Extractions",
    "FetchOptions",
    "Storage",
    "StorageError",
    "StorageSettings",
    "StoredFile",
    "UnsafeArchive",
    "UnsafeInclude",
    "advertised_address",
    "artifact_app",
    "artifact_matcher",
    "artifact_path",
    "copy_include",
    "download",
    "entries",
    "extract_into",
    "extract_tarball",
    "fetch_artifact",
    "file_digest",
    "garbage",
    "include_parts",
    "serve_artifacts",
    "stored_files",
    "write_tarball",
]
