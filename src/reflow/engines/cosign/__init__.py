"""Verification of cosign signatures on OCI artifacts with public keys, in both formats cosign writes."""

from __future__ import annotations

from reflow.engines.cosign.errors import (
    DigestMismatch,
    KeylessUnsupported,
    MalformedKey,
    NoMatchingKey,
    NoPublicKeys,
    NoSignatures,
    VerificationError,
)
from reflow.engines.cosign.keys import public_keys
from reflow.engines.cosign.layout import referrers_tag, signature_tag
from reflow.engines.cosign.payloads import SignatureFormat
from reflow.engines.cosign.verify import SignatureFetcher, Subject, Verified, verify

__all__ = [
    "DigestMismatch",
    "KeylessUnsupported",
    "MalformedKey",
    "NoMatchingKey",
    "NoPublicKeys",
    "NoSignatures",
    "SignatureFetcher",
    "SignatureFormat",
    "Subject",
    "VerificationError",
    "Verified",
    "public_keys",
    "referrers_tag",
    "signature_tag",
    "verify",
]
