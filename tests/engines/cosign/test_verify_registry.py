"""The verifier against signatures the real cosign wrote into a real registry, in both of cosign's formats.

Attacks are played as someone with push rights to the repository but without the private key:
a doctored payload or signature, a signature copied from another artifact, no signature at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from reflow.engines.cosign import (
    DigestMismatch,
    NoMatchingKey,
    NoSignatures,
    SignatureFormat,
    Subject,
    VerificationError,
    Verified,
    signature_tag,
    verify,
)
from tests.cosigner import (
    Edit,
    KeyPair,
    RegistryReader,
    copy_signature,
    corrupt,
    cosign_verifies,
    generate_key_pair,
    import_key_pair,
    reformat,
    rewrite_signature,
    sign,
)
from tests.registries import Registry

FORMATS = [
    pytest.param(True, SignatureFormat.BUNDLE, id="bundle"),
    pytest.param(False, SignatureFormat.SIMPLE_SIGNING, id="simple-signing"),
]


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return generate_key_pair(tmp_path_factory.mktemp("cosign-key"))


@pytest.fixture(scope="session")
def other_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return generate_key_pair(tmp_path_factory.mktemp("other-key"))


@pytest.fixture
async def reader(registry: Registry, registry_repository: str) -> AsyncIterator[RegistryReader]:
    async with aiohttp.ClientSession() as session:
        yield RegistryReader(session, registry, registry_repository)


async def artifact(reader: RegistryReader, tag: str = "v1") -> Subject:
    digest = await reader.push_artifact(tag, os.urandom(32))
    return Subject(name=reader.registry.oci_url(reader.repository), digest=digest)


async def signed_artifact(reader: RegistryReader, key: KeyPair, *, bundle: bool) -> Subject:
    subject = await artifact(reader)
    sign(key, reader.reference(subject.digest), bundle=bundle)
    return subject


@pytest.mark.parametrize(("bundle", "kind"), FORMATS)
async def test_a_signed_artifact_is_verified_by_the_secret_entry_of_its_key(
    reader: RegistryReader, signing_key: KeyPair, other_key: KeyPair, bundle: bool, kind: SignatureFormat
) -> None:
    subject = await signed_artifact(reader, signing_key, bundle=bundle)
    keys = {"other.pub": other_key.public, "team.pub": signing_key.public, "cosign.key": b"ignored"}
    assert await verify(subject, keys, reader) == Verified(key="team.pub", format=kind)
    assert cosign_verifies(signing_key, reader.reference(subject.digest), bundle=bundle)


@pytest.mark.parametrize(("bundle", "kind"), FORMATS)
async def test_a_signature_made_with_another_key_is_refused(
    reader: RegistryReader, signing_key: KeyPair, other_key: KeyPair, bundle: bool, kind: SignatureFormat
) -> None:
    subject = await signed_artifact(reader, other_key, bundle=bundle)
    with pytest.raises(
        NoMatchingKey, match=r"none of the 1 cosign signature\(s\) was made with a key .*\(cosign\.pub\)"
    ):
        await verify(subject, {"cosign.pub": signing_key.public}, reader)


async def test_an_unsigned_artifact_has_no_signatures(reader: RegistryReader, signing_key: KeyPair) -> None:
    subject = await artifact(reader)
    with pytest.raises(NoSignatures, match=rf"^{subject.name}@{subject.digest}: no cosign signature found"):
        await verify(subject, {"cosign.pub": signing_key.public}, reader)


@pytest.mark.parametrize(("bundle", "kind"), FORMATS)
@pytest.mark.parametrize(
    "doctoring",
    [
        pytest.param({"payload": reformat}, id="payload"),
        pytest.param({"signature": corrupt}, id="signature"),
    ],
)
async def test_a_tampered_signature_is_refused(
    reader: RegistryReader,
    signing_key: KeyPair,
    bundle: bool,
    kind: SignatureFormat,
    doctoring: dict[str, Edit],
) -> None:
    subject = await signed_artifact(reader, signing_key, bundle=bundle)
    await rewrite_signature(reader, subject.digest, bundle=bundle, **doctoring)
    with pytest.raises(NoMatchingKey):
        await verify(subject, {"cosign.pub": signing_key.public}, reader)


@pytest.mark.parametrize(("bundle", "kind"), FORMATS)
async def test_a_signature_copied_from_another_artifact_is_refused(
    reader: RegistryReader, signing_key: KeyPair, bundle: bool, kind: SignatureFormat
) -> None:
    signed, unsigned = await artifact(reader, "signed"), await artifact(reader, "unsigned")
    sign(signing_key, reader.reference(signed.digest), bundle=bundle)
    await copy_signature(reader, signed.digest, unsigned.digest, bundle=bundle)
    with pytest.raises(DigestMismatch, match=rf"made with key 'cosign\.pub' is for {signed.digest}, not for this"):
        await verify(unsigned, {"cosign.pub": signing_key.public}, reader)


def pkcs8(private: PrivateKeyTypes) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize(("bundle", "kind"), FORMATS)
@pytest.mark.parametrize(
    "private",
    [
        pytest.param(rsa.generate_private_key(65537, 2048), id="rsa-2048"),
        pytest.param(ec.generate_private_key(ec.SECP256R1()), id="ecdsa-p256"),
    ],
)
async def test_keys_cosign_imports_verify_their_signatures_as_cosign_does(
    reader: RegistryReader, tmp_path: Path, private: PrivateKeyTypes, bundle: bool, kind: SignatureFormat
) -> None:
    imported = import_key_pair(tmp_path / "key", pkcs8(private))
    subject = await signed_artifact(reader, imported, bundle=bundle)
    assert await verify(subject, {"imported.pub": imported.public}, reader) == Verified("imported.pub", kind)
    assert cosign_verifies(imported, reader.reference(subject.digest), bundle=bundle)


@pytest.mark.parametrize(("bundle", "kind"), FORMATS)
@pytest.mark.parametrize(
    ("private", "hint"),
    [
        pytest.param(ed25519.Ed25519PrivateKey.generate(), "an Ed25519 key", id="ed25519"),
        pytest.param(ec.generate_private_key(ec.SECP384R1()), "an ECDSA secp384r1 key", id="ecdsa-p384"),
    ],
)
async def test_keys_whose_signatures_cosign_cannot_verify_are_refused_as_cosign_refuses_them(
    reader: RegistryReader, tmp_path: Path, private: PrivateKeyTypes, hint: str, bundle: bool, kind: SignatureFormat
) -> None:
    """cosign 3.1.3 signs with Ed25519ph or SHA-384 here but verifies with pure Ed25519 or SHA-256."""
    imported = import_key_pair(tmp_path / "key", pkcs8(private))
    subject = await signed_artifact(reader, imported, bundle=bundle)
    assert not cosign_verifies(imported, reader.reference(subject.digest), bundle=bundle)
    with pytest.raises(
        NoMatchingKey, match=rf"imported\.pub is {hint} .*refuses such signatures too, use a P-256 or RSA key"
    ):
        await verify(subject, {"imported.pub": imported.public}, reader)


async def test_a_signature_manifest_that_cannot_be_read_is_named_in_the_error(
    reader: RegistryReader, signing_key: KeyPair
) -> None:
    subject = await artifact(reader)
    payload = await reader.push_blob(b"{}")
    config = await reader.push_blob(b"{}")
    layer = {"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": payload, "size": 2}
    manifest = {"schemaVersion": 2, "config": {"digest": config, "size": 2}, "layers": [layer]}
    await reader.push_manifest(signature_tag(subject.digest), json.dumps(manifest).encode())
    with pytest.raises(
        NoMatchingKey, match=r"1 signature\(s\) could not be read: .*\.sig layer .*annotation is missing"
    ):
        await verify(subject, {"cosign.pub": signing_key.public}, reader)


async def test_only_sha256_digests_can_be_verified(reader: RegistryReader, signing_key: KeyPair) -> None:
    subject = Subject(name=reader.registry.oci_url(reader.repository), digest="sha512:" + "ab" * 64)
    with pytest.raises(VerificationError, match="found by sha256 digest"):
        await verify(subject, {"cosign.pub": signing_key.public}, reader)
