"""Why a SOPS document could not be decrypted: one class per cause, each message naming the file.

Messages carry the file (or object) name, the tree path and the public identity of master keys
(age recipients, PGP fingerprints, KMS ARNs) — never key material, data keys or plaintext. Errors
raised while converting a decrypted value are raised `from None`, so no chained exception can carry
the value either.

    SopsError
    ├── InvalidDocument        not a SOPS document of the expected format, or broken metadata
    ├── DocumentTooLarge       over the size limit Flux applies (5 MiB)
    ├── InvalidKeyEntry        an entry of the decryption Secret could not be read as a key
    ├── DataKeyUnavailable     no usable master key recovered the data key
    │   └── UnsupportedKeyType only key types reflow does not decrypt (KMS, Vault transit, …)
    ├── ValueDecryptionFailed  a value failed authentication or could not be converted
    ├── MacMismatch            the tree does not match the MAC, or the MAC itself was altered
    ├── EmitFailed             the decrypted tree does not fit the output format
    ├── DecryptionRequired     an encrypted document or Secret, but no decryption is configured
    └── SourcePathError        a generator source outside the working directory, or not a file
"""

from __future__ import annotations


class SopsError(Exception):
    """A SOPS document could not be decrypted; the message starts with the file or object name."""

    def __init__(self, file: str, detail: str) -> None:
        super().__init__(f"{file}: {detail}")
        self.file = file
        self.detail = detail


class InvalidDocument(SopsError):
    """The bytes are not a SOPS document of the expected format, or its `sops` metadata is broken."""


class DocumentTooLarge(SopsError):
    """The encrypted document exceeds the size limit."""

    def __init__(self, file: str, size: int, limit: int) -> None:
        super().__init__(file, f"cannot decrypt a file of {size} bytes, the limit is {limit}")


class InvalidKeyEntry(SopsError):
    """An entry of the decryption Secret is not a usable key; `file` is the entry name."""


class DataKeyUnavailable(SopsError):
    """None of the master keys in enough key groups could be decrypted with the keys at hand."""


class UnsupportedKeyType(DataKeyUnavailable):
    """The document can only be decrypted with master key types reflow does not implement."""

    def __init__(self, file: str, key_types: list[str]) -> None:
        names = ", ".join(sorted(set(key_types)))
        super().__init__(file, f"unsupported key type {names}: reflow decrypts with age and OpenPGP keys only")
        self.key_types = tuple(sorted(set(key_types)))


class ValueDecryptionFailed(SopsError):
    """A value failed AES-GCM authentication or its decrypted text does not match its declared type."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        super().__init__(file, f"value at '{path}': {reason}")
        self.path = path


class MacMismatch(SopsError):
    """The MAC does not match the decrypted tree: the file was changed after encryption."""

    def __init__(self, file: str, detail: str = "MAC mismatch — the file was changed after encryption") -> None:
        super().__init__(file, detail)


class EmitFailed(SopsError):
    """The decrypted tree cannot be written in the requested output format."""


class DecryptionRequired(SopsError):
    """An encrypted document was found but the Kustomization configures no decryption."""


class SourcePathError(SopsError):
    """A kustomize generator source points outside the working directory or at something not a file."""
