"""Reading cosign's two signature formats: the simple-signing payload and the Sigstore bundle's DSSE envelope."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from reflow.engines.cosign.layout import LayoutError
from reflow.engines.cosign.payloads import (
    SignatureFormat,
    bundle_signatures,
    pre_authentication,
    simple_signing,
)

DIGEST = "sha256:" + "cd" * 32
SIGNATURE = b"\x30\x45signature"


def simple_payload(digest: str = DIGEST) -> bytes:
    critical = {
        "identity": {"docker-reference": "127.0.0.1:5000/app"},
        "image": {"docker-manifest-digest": digest},
        "type": "cosign container image signature",
    }
    return json.dumps({"critical": critical, "optional": None}).encode()


def statement(digest_hex: str = "cd" * 32, predicate: str = "https://sigstore.dev/cosign/sign/v1") -> bytes:
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"digest": {"sha256": digest_hex}}],
            "predicateType": predicate,
            "predicate": {},
        }
    ).encode()


def bundle(content: bytes, **envelope: Any) -> bytes:
    dsse = {
        "payload": base64.b64encode(content).decode(),
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [{"sig": base64.b64encode(SIGNATURE).decode(), "keyid": ""}],
        **envelope,
    }
    return json.dumps(
        {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {"publicKey": {"hint": "x"}},
            "dsseEnvelope": dsse,
        }
    ).encode()


def test_simple_signing_signs_the_payload_as_stored_and_names_its_digest() -> None:
    payload = simple_payload()
    found = simple_signing(payload, {"dev.cosignproject.cosign/signature": base64.b64encode(SIGNATURE).decode()})
    assert found.format is SignatureFormat.SIMPLE_SIGNING
    assert (found.signed, found.signature, found.subjects) == (payload, SIGNATURE, (DIGEST,))


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"critical": {"image": {}}}', id="no-digest"),
        pytest.param(b'{"critical": "x"}', id="wrong-shape"),
    ],
)
def test_a_simple_signing_payload_without_a_digest_names_no_subject(payload: bytes) -> None:
    annotations = {"dev.cosignproject.cosign/signature": base64.b64encode(SIGNATURE).decode()}
    assert simple_signing(payload, annotations).subjects == ()


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        pytest.param({}, "annotation is missing", id="no-annotation"),
        pytest.param({"dev.cosignproject.cosign/signature": "not base64!"}, "is not base64", id="not-base64"),
    ],
)
def test_a_simple_signing_layer_needs_its_signature_annotation(annotations: dict[str, str], message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        simple_signing(simple_payload(), annotations)


def test_pre_authentication_encoding_is_dsse_v1() -> None:
    assert pre_authentication("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_a_bundle_signs_the_pae_of_its_statement_and_names_the_statement_subjects() -> None:
    payload = statement()
    (found,) = bundle_signatures(bundle(payload))
    assert found.format is SignatureFormat.BUNDLE
    assert found.signed == pre_authentication("application/vnd.in-toto+json", payload)
    assert (found.signature, found.subjects) == (SIGNATURE, (DIGEST,))


def test_an_attestation_of_another_predicate_is_not_a_signature_of_the_subject() -> None:
    (found,) = bundle_signatures(bundle(statement(predicate="https://spdx.dev/Document")))
    assert found.subjects == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"[]", "not a JSON object", id="not-an-object"),
        pytest.param(b'{"messageSignature": {}}', "holds no DSSE envelope", id="message-signature"),
        pytest.param(bundle(statement(), payloadType="text/plain"), "payload type is 'text/plain'", id="payload-type"),
        pytest.param(bundle(statement(), signatures=[]), "has no signatures", id="no-signatures"),
        pytest.param(bundle(statement(), payload="%%%"), "DSSE payload is not base64", id="payload-not-base64"),
    ],
)
def test_bundles_that_cosign_signing_does_not_write_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        bundle_signatures(data)
