"""The `*.pub` entries of the verification Secret, and checking signatures with ECDSA, RSA and Ed25519 keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from reflow.engines.cosign import MalformedKey, NoPublicKeys, public_keys

MESSAGE = b'{"critical": {}}'


def pem(private: PrivateKeyTypes) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_only_pub_entries_are_keys_in_name_order() -> None:
    first, second = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    keys = public_keys({"z.pub": pem(first), "a.pub": pem(second), "cosign.key": b"private", "README": b"x"})
    assert [key.name for key in keys] == ["a.pub", "z.pub"]


def test_a_secret_without_pub_entries_has_no_keys() -> None:
    with pytest.raises(NoPublicKeys, match=r"no entry ending in \.pub"):
        public_keys({"cosign.key": b"x"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"not a key", "'bad.pub' is not a PEM public key", id="not-pem"),
        pytest.param(pem(dsa.generate_private_key(2048)), "holds a DSAPublicKey", id="dsa"),
        pytest.param(pem(ec.generate_private_key(ec.SECP256K1())), "ECDSA key on secp256k1", id="secp256k1"),
    ],
)
def test_an_unusable_pub_entry_fails_the_secret_by_name(data: bytes, message: str) -> None:
    good = pem(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(MalformedKey, match=message):
        public_keys({"good.pub": good, "bad.pub": data})


def sign_ecdsa(private: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    return private.sign(message, ec.ECDSA(hashes.SHA256()))


def sign_rsa(private: rsa.RSAPrivateKey, message: bytes) -> bytes:
    return private.sign(message, padding.PKCS1v15(), hashes.SHA256())


def sign_ed25519(private: ed25519.Ed25519PrivateKey, message: bytes) -> bytes:
    return private.sign(message)


SIGNERS = [
    pytest.param(ec.generate_private_key(ec.SECP256R1()), sign_ecdsa, id="ecdsa-p256"),
    pytest.param(ec.generate_private_key(ec.SECP384R1()), sign_ecdsa, id="ecdsa-p384-sha256"),
    pytest.param(rsa.generate_private_key(65537, 2048), sign_rsa, id="rsa-pkcs1v15-sha256"),
    pytest.param(ed25519.Ed25519PrivateKey.generate(), sign_ed25519, id="ed25519"),
]


@pytest.mark.parametrize(("private", "sign"), SIGNERS)
def test_a_key_verifies_its_own_signature_and_nothing_else(
    private: PrivateKeyTypes, sign: Callable[[Any, bytes], bytes]
) -> None:
    (key,) = public_keys({"cosign.pub": pem(private)})
    signature = sign(private, MESSAGE)
    assert key.signed(signature, MESSAGE)
    assert not key.signed(signature, MESSAGE + b" ")
    assert not key.signed(b"\x00" + signature[1:], MESSAGE)
    assert not key.signed(b"", MESSAGE)


def test_ecdsa_signatures_over_another_hash_than_sha256_do_not_verify_as_in_cosign() -> None:
    private = ec.generate_private_key(ec.SECP384R1())
    (key,) = public_keys({"p384.pub": pem(private)})
    assert not key.signed(private.sign(MESSAGE, ec.ECDSA(hashes.SHA384())), MESSAGE)
    assert key.unverifiable == "p384.pub is an ECDSA secp384r1 key (cosign 3 signs with SHA-384 or SHA-512)"
