"""Tampered or undecryptable documents are refused with errors naming the file, never showing keys or plaintext."""

from __future__ import annotations

import re

import pytest

from reflow.engines.sops import (
    DataKeyUnavailable,
    Format,
    InvalidDocument,
    InvalidKeyEntry,
    KeyRing,
    MacMismatch,
    SopsError,
    UnsupportedKeyType,
    ValueDecryptionFailed,
    decrypt_document,
)

PLAIN = b"db:\n    password: hunter2-secret\n    user_unencrypted: admin\n"


def assert_clean(error: SopsError, keys) -> None:  # type: ignore[no-untyped-def]
    text = str(error) + repr(error)
    assert "hunter2" not in text
    assert keys.age.identity not in text
    assert "AGE-SECRET-KEY" not in text
    assert "PRIVATE KEY" not in text


@pytest.fixture
def encrypted(encrypt, keys) -> bytes:  # type: ignore[no-untyped-def]
    return encrypt(PLAIN, "yaml", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})


def test_tampered_value_is_refused_naming_file_and_path(encrypted: bytes, keys) -> None:  # type: ignore[no-untyped-def]
    value = re.search(rb"password: ENC\[AES256_GCM,data:([^,]+),", encrypted)
    assert value is not None
    data = bytearray(value.group(1))
    data[0] = ord("A") if data[0] != ord("A") else ord("B")
    tampered = encrypted.replace(value.group(1), bytes(data))
    with pytest.raises(ValueDecryptionFailed, match=r"^secrets/db\.yaml: value at 'db:password'") as caught:
        decrypt_document(tampered, keys.ring("age"), file="secrets/db.yaml", input_format=Format.YAML)
    assert_clean(caught.value, keys)


def test_moved_value_fails_authentication(encrypted: bytes, keys) -> None:  # type: ignore[no-untyped-def]
    moved = encrypted.replace(b"    password:", b"    passwd:")
    with pytest.raises(ValueDecryptionFailed, match="db:passwd"):
        decrypt_document(moved, keys.ring("age"), file="secrets/db.yaml", input_format=Format.YAML)


def test_changed_unencrypted_value_is_a_mac_mismatch(encrypted: bytes, keys) -> None:  # type: ignore[no-untyped-def]
    changed = encrypted.replace(b"user_unencrypted: admin", b"user_unencrypted: root")
    with pytest.raises(MacMismatch, match=r"^secrets/db\.yaml: MAC mismatch — the file was changed after encryption"):
        decrypt_document(changed, keys.ring("age"), file="secrets/db.yaml", input_format=Format.YAML)


def test_tampered_mac_is_refused(encrypted: bytes, keys) -> None:  # type: ignore[no-untyped-def]
    mac = re.search(rb"mac: ENC\[AES256_GCM,data:(.)", encrypted)
    assert mac is not None
    swapped = b"B" if mac.group(1) != b"B" else b"C"
    tampered = encrypted[: mac.start(1)] + swapped + encrypted[mac.end(1) :]
    with pytest.raises(MacMismatch, match=r"^secrets/db\.yaml: MAC mismatch") as caught:
        decrypt_document(tampered, keys.ring("age"), file="secrets/db.yaml", input_format=Format.YAML)
    assert_clean(caught.value, keys)


def test_wrong_key_names_the_recipient_not_the_key(encrypted: bytes, keys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataKeyUnavailable, match=keys.age.recipient) as caught:
        decrypt_document(encrypted, keys.ring("age2", "rsa"), file="secrets/db.yaml", input_format=Format.YAML)
    assert_clean(caught.value, keys)
    assert keys.age2.identity not in str(caught.value)


def test_cloud_kms_only_document_is_an_unsupported_key_type(keys) -> None:  # type: ignore[no-untyped-def]
    document = (
        b"a: ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,"
        b"tag:t5z2Z023Up0kxwCgw1gNxg==,type:str]\n"
        b"sops:\n    kms:\n        - arn: arn:aws:kms:eu-west-1:1:key/x\n          enc: AQID\n"
        b"    hc_vault:\n        - vault_address: https://vault\n          key_name: k\n          enc: vault:v1:x\n"
        b"    lastmodified: '2024-01-01T00:00:00Z'\n    mac: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n"
    )
    with pytest.raises(UnsupportedKeyType, match=r"^kms\.yaml: unsupported key type hc_vault, kms"):
        decrypt_document(document, keys.ring("age"), file="kms.yaml", input_format=Format.YAML)


def test_document_without_metadata_is_invalid(keys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidDocument, match=r"^plain\.yaml: sops metadata not found"):
        decrypt_document(b"a: b\n", keys.ring("age"), file="plain.yaml", input_format=Format.YAML)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param("bad.agekey", b"AGE-SECRET-KEY-1NOTAKEY", "malformed age identity", id="bad-age"),
        pytest.param("pq.agekey", b"AGE-SECRET-KEY-PQ-1ABC", "X25519 identities only", id="post-quantum"),
        pytest.param("bad.asc", b"-----BEGIN PGP PRIVATE KEY BLOCK-----\nnope\n", "not an OpenPGP key", id="bad-pgp"),
    ],
)
def test_unreadable_secret_entries_name_the_entry_only(name: str, value: bytes, message: str) -> None:
    with pytest.raises(InvalidKeyEntry, match=message) as caught:
        KeyRing.from_secret_data({name: value})
    assert str(caught.value).startswith(f"{name}: ")
    assert value.decode() not in str(caught.value)


def test_pgp_document_with_the_wrong_pgp_key_names_the_fingerprint(encrypt, keys) -> None:  # type: ignore[no-untyped-def]
    encrypted = encrypt(PLAIN, "yaml", env={"SOPS_PGP_FP": keys.flux.fingerprint})
    with pytest.raises(DataKeyUnavailable, match="no OpenPGP key in the decryption Secret can decrypt it") as caught:
        decrypt_document(encrypted, keys.ring("ed25519", "rsa"), file="secrets/db.yaml", input_format=Format.YAML)
    assert keys.flux.fingerprint.lower() in str(caught.value).lower()
    assert_clean(caught.value, keys)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("protected", "has no secret key usable without a passphrase", id="passphrase-protected"),
        pytest.param("public", "no OpenPGP secret key found", id="public-key-only"),
    ],
)
def test_pgp_entries_without_usable_secret_keys_are_refused(keys, key: str, message: str) -> None:  # type: ignore[no-untyped-def]
    value = keys.protected.armored if key == "protected" else keys.flux.public
    with pytest.raises(InvalidKeyEntry, match=f"^key.asc: .*{message}") as caught:
        KeyRing.from_secret_data({"key.asc": value})
    assert "PRIVATE KEY" not in str(caught.value)


def test_key_ring_repr_shows_no_keys(keys) -> None:  # type: ignore[no-untyped-def]
    assert repr(keys.ring("age", "rsa")) == "KeyRing(age=1, pgp=1)"
