"""What the controller shows when cosign verification cannot run: every error is Flux's VerificationError."""

from __future__ import annotations

from reflow.engines.cosign import KeylessUnsupported, NoSignatures, VerificationError


def test_keyless_verification_says_it_is_not_supported_and_what_to_use_instead() -> None:
    error = KeylessUnsupported("oci://ghcr.io/org/app")
    assert str(error).startswith("oci://ghcr.io/org/app: keyless verification (spec.verify.matchOIDCIdentity)")
    assert "not supported in this build" in str(error)
    assert "spec.verify.secretRef" in str(error)
    assert error.reason == "VerificationError"


def test_every_verification_error_carries_the_verification_error_reason() -> None:
    assert issubclass(NoSignatures, VerificationError)
    assert NoSignatures("x").reason == "VerificationError"
