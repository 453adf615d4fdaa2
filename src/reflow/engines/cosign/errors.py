"""Why a cosign verification failed, each error carrying source-controller's `VerificationError` reason.

```
VerificationError        the artifact is not shown as verified; the message says why and what to fix
├── NoPublicKeys         the Secret of `spec.verify.secretRef` has no `*.pub` entry
├── MalformedKey         a `*.pub` entry is not a PEM public key of a kind cosign signs with
├── NoSignatures         the registry holds no cosign signature for the artifact's digest
├── NoMatchingKey        signatures exist, but none was made by one of the keys
├── DigestMismatch       a key signed a payload that names another digest (a copied signature)
└── KeylessUnsupported   `matchOIDCIdentity` (keyless) verification, not available in this build
```
"""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import VERIFICATION_ERROR


class VerificationError(Exception):
    """The artifact could not be verified; `reason` is the `SourceVerified=False` condition reason."""

    reason: ClassVar[str] = VERIFICATION_ERROR


class NoPublicKeys(VerificationError):
    pass


class MalformedKey(VerificationError):
    pass


class NoSignatures(VerificationError):
    pass


class NoMatchingKey(VerificationError):
    pass


class DigestMismatch(VerificationError):
    pass


class KeylessUnsupported(VerificationError):
    """Keyless verification needs Fulcio certificates and Rekor proofs checked against a Sigstore trust root."""

    def __init__(self, subject: str) -> None:
        super().__init__(
            f"{subject}: keyless verification (spec.verify.matchOIDCIdentity) is not supported in this build; "
            "sign the artifact with a key pair and list its public key in the Secret named by "
            "spec.verify.secretRef (entries ending in .pub)"
        )
