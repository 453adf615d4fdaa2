"""`spec.verify` of OCI sources, shared by OCIRepository and HelmChart (charts in an OCI HelmRepository):
cosign signatures checked with the `*.pub` keys of a Secret.

Both kinds refuse the same way when the verification cannot start (another provider, keyless, no
usable Secret): Ready=False and SourceVerified=False with `VerificationError`, and no new artifact.
What a failed signature check means for the object is the caller's choice (HelmChart shows it as a
chart build error, as Flux does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from reflow.api.conditions import SOURCE_VERIFIED, SUCCEEDED, VERIFICATION_ERROR
from reflow.api.helmsource import HelmChartVerification
from reflow.api.meta import Manifest
from reflow.api.source import OCIRepositoryVerification
from reflow.controllers.source.stored import source_secret
from reflow.engines.cosign import KeylessUnsupported, SignatureFetcher, Subject, Verified
from reflow.engines.cosign import VerificationError as CosignError
from reflow.engines.cosign import verify as cosign_verify
from reflow.engines.oci import OCIError
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError
from reflow.runtime.result import ConditionState

Verify = OCIRepositoryVerification | HelmChartVerification
"""A `spec.verify` of either kind (the same fields)."""


class SignatureRefused(Exception):
    """The artifact's signatures do not verify it, or cannot be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Verification:
    """A SourceVerified verdict and the fingerprint of the keys it was reached with."""

    condition: ConditionState | None
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class TrustedKeys:
    """The decoded verification Secret and the fingerprint of its `*.pub` entries."""

    keys: Mapping[str, bytes]
    fingerprint: str


def verification_fields(
    required: bool, verification: Verification | None
) -> tuple[Manifest, dict[str, ConditionState | None]]:
    """The status fields and SourceVerified condition to write: a fresh verdict; nothing when the current one
    stands; removed when `spec.verify` is gone."""
    if verification is not None:
        return {"sourceVerificationFingerprint": verification.fingerprint}, {SOURCE_VERIFIED: verification.condition}
    if required:
        return {}, {}
    return {"sourceVerificationFingerprint": None}, {SOURCE_VERIFIED: None}


def keys_fingerprint(keys: Mapping[str, bytes]) -> str:
    """`sha256:<hex>` over the Secret's `*.pub` entries (name and content, in name order): when it changes,
    an already verified revision is verified again."""
    hashed = hashlib.sha256()
    for name in sorted(key for key in keys if key.endswith(".pub")):
        hashed.update(name.encode() + b"\0" + keys[name] + b"\0")
    return f"sha256:{hashed.hexdigest()}"


def unverified(message: str) -> ReconcileError:
    """Ready=False and SourceVerified=False (`VerificationError`): the artifact is not served, the last
    verified one stays."""
    condition = {SOURCE_VERIFIED: ConditionState("False", VERIFICATION_ERROR, message)}
    return ReconcileError(message, reason=VERIFICATION_ERROR, conditions=condition)


def verified_condition(what: str, verified: Verified) -> ConditionState:
    """SourceVerified=True naming what was verified and the Secret entry of the key that did."""
    return ConditionState("True", SUCCEEDED, f"verified signature of {what} with key '{verified.key}'")


async def trusted_keys(kube: Kube, namespace: str, verify: Verify, subject: str) -> TrustedKeys:
    """The public keys to verify `subject` with; raises `unverified` for another provider, keyless
    verification, or a missing Secret."""
    if verify.provider != "cosign":
        raise unverified(f"verification provider '{verify.provider}' is not supported in this build; use cosign")
    if verify.secret_ref is None:
        raise unverified(str(KeylessUnsupported(subject)))
    try:
        keys = await source_secret(kube, namespace, verify.secret_ref.name, "verification")
    except ReconcileError as error:
        raise unverified(str(error)) from error
    return TrustedKeys(keys, keys_fingerprint(keys))


async def check_signature(subject: Subject, trusted: TrustedKeys, fetcher: SignatureFetcher) -> Verified:
    """The key that signed `subject`; `SignatureRefused` when none did or the registry could not tell."""
    try:
        return await cosign_verify(subject, trusted.keys, fetcher)
    except CosignError as error:
        raise SignatureRefused(str(error)) from error
    except OCIError as error:
        raise SignatureRefused(f"{subject.name}@{subject.digest}: cannot read the signatures: {error}") from error
