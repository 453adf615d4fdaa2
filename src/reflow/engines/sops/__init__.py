"""SOPS decryption for Kustomizations: reflow's own reader of sops files (age and OpenPGP master keys)."""

from __future__ import annotations

from reflow.engines.sops.decrypt import MAX_DOCUMENT_SIZE, decrypt_branches, decrypt_document
from reflow.engines.sops.errors import (
    DataKeyUnavailable,
    DecryptionRequired,
    DocumentTooLarge,
    EmitFailed,
    InvalidDocument,
    InvalidKeyEntry,
    MacMismatch,
    SopsError,
    SourcePathError,
    UnsupportedKeyType,
    ValueDecryptionFailed,
)
from reflow.engines.sops.formats import Format, detect, format_for_path
from reflow.engines.sops.keys import KeyRing
from reflow.engines.sops.manifests import (
    decrypt_manifest,
    decryption_disabled,
    encrypted_entries,
    is_encrypted_object,
    is_encrypted_secret,
)
from reflow.engines.sops.sources import DecryptedSources, decrypt_sources, private_workdir

__all__ = [
    "MAX_DOCUMENT_SIZE",
    "DataKeyUnavailable",
    "DecryptedSources",
    "DecryptionRequired",
    "DocumentTooLarge",
    "EmitFailed",
    "Format",
    "InvalidDocument",
    "InvalidKeyEntry",
    "KeyRing",
    "MacMismatch",
    "SopsError",
    "SourcePathError",
    "UnsupportedKeyType",
    "ValueDecryptionFailed",
    "decrypt_branches",
    "decrypt_document",
    "decrypt_manifest",
    "decrypt_sources",
    "decryption_disabled",
    "detect",
    "encrypted_entries",
    "format_for_path",
    "is_encrypted_object",
    "is_encrypted_secret",
    "private_workdir",
]
