"""Flux's decryption of built manifests: whole SOPS-encrypted objects, and Secret values that are SOPS documents.

After the kustomize build, kustomize-controller decrypts (a) any object with top-level `sops`
metadata holding a MAC — as Flux, without checking the MAC, since kustomize adds labels, namespaces
and more to the object — and (b) for Secrets, every `data` (base64) or `stringData` value that is an
encrypted SOPS document, detected by its marker bytes and written back in the format the key's name
implies (`.yaml`, `.json`, `.env`, `.ini`, `.dockerconfigjson`, else binary). Objects annotated
`kustomize.toolkit.fluxcd.io/decrypt: Disabled` are left as they are. Without decryption configured,
an encrypted Secret is an error ("encrypted secret requires decryption"), as is a Secret value that is
an encrypted document.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterator

from reflow.api.annotations import DECRYPT, DISABLED
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.sops.decrypt import decrypt_branches, decrypt_document
from reflow.engines.sops.errors import DecryptionRequired, InvalidDocument
from reflow.engines.sops.formats import detect, format_for_path
from reflow.engines.sops.keys import KeyRing
from reflow.engines.sops.load import METADATA_KEY


def decryption_disabled(manifest: Manifest) -> bool:
    """Whether the object opts out with `kustomize.toolkit.fluxcd.io/decrypt: Disabled`."""
    annotations = (manifest.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(DECRYPT, "")).lower() == DISABLED


def is_encrypted_object(manifest: Manifest) -> bool:
    """Whether the whole object is SOPS-encrypted: top-level `sops` metadata with a MAC."""
    metadata = manifest.get(METADATA_KEY)
    return isinstance(metadata, dict) and bool(metadata.get("mac"))


def is_encrypted_secret(manifest: Manifest) -> bool:
    """Whether this is a v1 Secret carrying top-level `sops` metadata (Flux's guard)."""
    return manifest.get("apiVersion") == "v1" and manifest.get("kind") == "Secret" and METADATA_KEY in manifest


def encrypted_entries(manifest: Manifest) -> list[tuple[str, str]]:
    """The (field, key) pairs of a Secret's `data`/`stringData` values that are encrypted SOPS documents."""
    return [(field, key) for field, key, _ in _document_values(manifest)]


def decrypt_manifest(manifest: Manifest, keys: KeyRing | None) -> Manifest:
    """The object with its SOPS-encrypted parts decrypted; `keys` None means no decryption is configured.

    Returns the same object when there is nothing to decrypt, otherwise a decrypted copy.
    """
    if decryption_disabled(manifest):
        return manifest
    ref = str(ObjectRef.of(manifest))
    if keys is None:
        if is_encrypted_secret(manifest) or (manifest.get("kind") == "Secret" and encrypted_entries(manifest)):
            raise DecryptionRequired(
                ref, "encrypted secret requires decryption: configure spec.decryption on the Kustomization"
            )
        return manifest
    if is_encrypted_object(manifest):
        body = {key: value for key, value in manifest.items() if key != METADATA_KEY}
        (decrypted,) = decrypt_branches([body], manifest[METADATA_KEY], keys, file=ref, verify_mac=False)
        if not isinstance(decrypted, dict):
            raise InvalidDocument(ref, "the decrypted object is not a mapping")
        return decrypted
    if manifest.get("kind") != "Secret":
        return manifest
    entries = list(_document_values(manifest))
    if not entries:
        return manifest
    out = copy.deepcopy(manifest)
    for field, key, data in entries:
        input_format = detect(data)
        assert input_format is not None
        plain = decrypt_document(
            data,
            keys,
            file=f"{ref} {field} '{key}'",
            input_format=input_format,
            output_format=format_for_path(key),
        )
        out[field][key] = base64.b64encode(plain).decode() if field == "data" else plain.decode("utf-8", "replace")
    return out


def _document_values(manifest: Manifest) -> Iterator[tuple[str, str, bytes]]:
    for field in ("data", "stringData"):
        values = manifest.get(field)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if not isinstance(value, str):
                continue
            if field == "data":
                try:
                    raw = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    continue  # left for the API server to reject, as Flux does
            else:
                raw = value.encode()
            if detect(raw) is not None:
                yield field, key, raw
