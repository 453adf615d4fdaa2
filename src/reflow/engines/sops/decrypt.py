"""Decrypting one SOPS document: load the store, recover the data key, decrypt the tree, verify the MAC, emit."""

from __future__ import annotations

from typing import Any

from reflow.engines.sops import tree
from reflow.engines.sops.emit import emit
from reflow.engines.sops.errors import DocumentTooLarge
from reflow.engines.sops.formats import Format
from reflow.engines.sops.keys import KeyRing, decrypt_data_key
from reflow.engines.sops.load import load
from reflow.engines.sops.metadata import parse_metadata

# Flux refuses encrypted files larger than this (kustomize-controller's maxEncryptedFileSize).
MAX_DOCUMENT_SIZE = 5 << 20


def decrypt_document(
    data: bytes,
    keys: KeyRing,
    *,
    file: str,
    input_format: Format,
    output_format: Format | None = None,
    verify_mac: bool = True,
    max_size: int = MAX_DOCUMENT_SIZE,
) -> bytes:
    """The plaintext of an encrypted document, written in `output_format` (default: the input format).

    `file` names the document in errors. The MAC is verified unless `verify_mac` is False.
    """
    if max_size and len(data) > max_size:
        raise DocumentTooLarge(file, len(data), max_size)
    document = load(data, input_format, file)
    branches = decrypt_branches(document.branches, document.metadata, keys, file=file, verify_mac=verify_mac)
    return emit(branches, output_format or input_format, file)


def decrypt_branches(
    branches: list[Any], raw_metadata: Any, keys: KeyRing, *, file: str, verify_mac: bool = True
) -> list[Any]:
    """Decrypted copies of a document's branches, given its raw `sops` metadata."""
    metadata = parse_metadata(raw_metadata, file)
    data_key = decrypt_data_key(metadata, keys, file=file)
    decrypted, mac = tree.decrypt_tree(branches, metadata, data_key, file=file)
    if verify_mac:
        tree.verify_mac(mac, metadata, data_key, file=file)
    return decrypted
