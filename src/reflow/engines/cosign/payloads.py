"""The two signature formats cosign writes, read into one record: what was signed, the signature, the digests claimed.

A simple-signing payload is signed as it is stored, and names the artifact in
`critical.image.docker-manifest-digest`. A Sigstore bundle holds a DSSE envelope: the signature
covers DSSE's pre-authentication encoding of the payload type and the payload, an in-toto statement
whose `subject` digests name the artifact and whose predicate type is cosign's signing predicate
(an attestation of another predicate is not a signature). Nothing read here is trusted until a key
has verified `signature` over `signed`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum

from reflow.engines.cosign.layout import SIGNATURE_ANNOTATION, LayoutError, json_object

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1"


class SignatureFormat(StrEnum):
    """How the signature was stored: `cosign sign`'s default in v3, or the `.sig` tag of earlier versions."""

    BUNDLE = "sigstore-bundle"
    SIMPLE_SIGNING = "simple-signing"


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """One signature found for the artifact, not yet checked."""

    format: SignatureFormat
    signature: bytes
    signed: bytes
    """The exact bytes the signature covers."""
    subjects: tuple[str, ...]
    """The digests (`sha256:<hex>`) the signed payload names."""


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise LayoutError(f"the {what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as err:
        raise LayoutError(f"the {what} is not base64") from err


def simple_signing(payload: bytes, annotations: dict[str, str]) -> Signature:
    """The signature of one layer of a `.sig` manifest: its payload blob and the layer's annotations."""
    signature = _b64(annotations.get(SIGNATURE_ANNOTATION), f"{SIGNATURE_ANNOTATION} annotation")
    try:
        digest = json_object(payload, "simple-signing payload")["critical"]["image"]["docker-manifest-digest"]
    except (KeyError, TypeError, LayoutError):
        digest = None
    subjects = (digest,) if isinstance(digest, str) else ()
    return Signature(format=SignatureFormat.SIMPLE_SIGNING, signature=signature, signed=payload, subjects=subjects)


def pre_authentication(payload_type: str, payload: bytes) -> bytes:
    """DSSE's PAE: what a DSSE signature covers, binding the payload to its type."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _statement_subjects(payload: bytes) -> tuple[str, ...]:
    try:
        statement = json_object(payload, "in-toto statement")
    except LayoutError:
        return ()
    if statement.get("predicateType") != SIGN_PREDICATE_TYPE or not isinstance(statement.get("subject"), list):
        return ()
    digests = []
    for subject in statement["subject"]:
        value = subject.get("digest", {}).get("sha256") if isinstance(subject, dict) else None
        if isinstance(value, str):
            digests.append(f"sha256:{value}")
    return tuple(digests)


def bundle_signatures(data: bytes) -> tuple[Signature, ...]:
    """The signatures of a Sigstore bundle's DSSE envelope (one per entry of its `signatures`)."""
    envelope = json_object(data, "Sigstore bundle").get("dsseEnvelope")
    if not isinstance(envelope, dict):
        raise LayoutError("the Sigstore bundle holds no DSSE envelope")
    payload_type = envelope.get("payloadType")
    payload = _b64(envelope.get("payload"), "DSSE payload")
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise LayoutError(f"the DSSE payload type is {payload_type!r}, not {IN_TOTO_PAYLOAD_TYPE}")
    entries = envelope.get("signatures")
    if not isinstance(entries, list) or not entries:
        raise LayoutError("the DSSE envelope has no signatures")
    signed = pre_authentication(payload_type, payload)
    subjects = _statement_subjects(payload)
    return tuple(
        Signature(
            format=SignatureFormat.BUNDLE,
            signature=_b64(entry.get("sig") if isinstance(entry, dict) else None, "DSSE signature"),
            signed=signed,
            subjects=subjects,
        )
        for entry in entries
    )
