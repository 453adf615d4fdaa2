"""Verify an OCI artifact's cosign signatures with the public keys of `spec.verify.secretRef`.

The registry is read through a `SignatureFetcher`, which the OCI client implements for the
artifact's repository (with its credentials, TLS, proxy, size limits and timeouts). Bundles
(cosign 3's default) are looked for first, then the `.sig` tag; the first signature a key verifies
over a payload naming the artifact's digest wins. No transparency log or timestamp is consulted:
with a public key, as Flux does, the key alone decides.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Protocol

from reflow.engines.cosign.errors import DigestMismatch, NoMatchingKey, NoSignatures, VerificationError
from reflow.engines.cosign.keys import PublicKey, public_keys
from reflow.engines.cosign.layout import (
    SIMPLE_SIGNING_MEDIA_TYPE,
    LayoutError,
    blob_matches,
    check_digest,
    index_manifests,
    is_bundle,
    manifest_layers,
    referrers_tag,
    signature_tag,
)
from reflow.engines.cosign.payloads import Signature, SignatureFormat, bundle_signatures, simple_signing


class SignatureFetcher(Protocol):
    """Reads from the artifact's repository what the verifier needs."""

    async def fetch_manifest(self, reference: str) -> tuple[bytes, str] | None:
        """The manifest at a tag or digest and its media type; None when the repository has none."""
        ...

    async def fetch_blob(self, digest: str) -> bytes:
        """The blob with this digest."""
        ...

    async def referrers(self, digest: str) -> bytes | None:
        """The referrers API's image index for this digest; None when the registry has no referrers API."""
        ...


@dataclass(frozen=True, slots=True)
class Subject:
    """The artifact to verify: a name for messages (a URL without credentials) and its manifest digest."""

    name: str
    digest: str


@dataclass(frozen=True, slots=True)
class Verified:
    """A successful verification: the Secret entry of the key that verified, and the signature's format."""

    key: str
    format: SignatureFormat


async def verify(subject: Subject, keys: Mapping[str, bytes], fetcher: SignatureFetcher) -> Verified:
    """The key that signed the artifact, or a `VerificationError` saying why none did."""
    try:
        check_digest(subject.digest)
    except LayoutError as err:
        raise VerificationError(f"{subject.name}: cosign signatures are found by sha256 digest: {err}") from err
    trusted = public_keys(keys)
    unreadable: list[str] = []
    misdirected: list[tuple[str, tuple[str, ...]]] = []
    found = 0
    async with aclosing(_signatures(subject.digest, fetcher, unreadable)) as signatures:
        async for signature in signatures:
            found += 1
            key = _signer(signature, trusted)
            if key is None:
                continue
            if subject.digest in signature.subjects:
                return Verified(key=key.name, format=signature.format)
            misdirected.append((key.name, signature.subjects))
    where = f"{subject.name}@{subject.digest}"
    if misdirected:
        name, claimed = misdirected[0]
        names = ", ".join(claimed) or "no digest"
        raise DigestMismatch(
            f"{where}: the signature made with key {name!r} is for {names}, not for this artifact "
            "(copied from another artifact?)"
        )
    if not found and not unreadable:
        raise NoSignatures(f"{where}: no cosign signature found (neither a Sigstore bundle referrer nor a .sig tag)")
    names = ", ".join(key.name for key in trusted)
    parts = [f"none of the {found} cosign signature(s) was made with a key of the Secret ({names})"] if found else []
    if unreadable:
        parts.append(f"{len(unreadable)} signature(s) could not be read: {'; '.join(unreadable[:3])}")
    hints = [hint for hint in (key.unverifiable for key in trusted) if hint]
    if hints:
        parts.append(
            f"{', '.join(hints)}: cosign's own verification refuses such signatures too, use a P-256 or RSA key"
        )
    raise NoMatchingKey(f"{where}: {'; '.join(parts)}")


def _signer(signature: Signature, keys: tuple[PublicKey, ...]) -> PublicKey | None:
    return next((key for key in keys if key.signed(signature.signature, signature.signed)), None)


async def _signatures(digest: str, fetcher: SignatureFetcher, unreadable: list[str]) -> AsyncGenerator[Signature, None]:
    async with aclosing(_bundles(digest, fetcher, unreadable)) as bundles:
        async for signature in bundles:
            yield signature
    async with aclosing(_simple_signings(digest, fetcher, unreadable)) as simple:
        async for signature in simple:
            yield signature


async def _bundles(digest: str, fetcher: SignatureFetcher, unreadable: list[str]) -> AsyncGenerator[Signature, None]:
    index = await fetcher.referrers(digest)
    if index is None:
        fetched = await fetcher.fetch_manifest(referrers_tag(digest))
        index = fetched[0] if fetched else None
    if index is None:
        return
    try:
        referrers = index_manifests(index)
    except LayoutError as err:
        unreadable.append(f"referrers index: {err}")
        return
    for referrer in referrers:
        if referrer.artifact_type and not is_bundle(referrer):
            continue
        fetched = await fetcher.fetch_manifest(referrer.digest)
        if fetched is None:
            unreadable.append(f"referrer {referrer.digest}: not in the repository")
            continue
        try:
            layers = [layer for layer in manifest_layers(fetched[0]) if is_bundle(layer)]
            for layer in layers:
                for signature in bundle_signatures(await _blob(fetcher, layer.digest)):
                    yield signature
        except LayoutError as err:
            unreadable.append(f"referrer {referrer.digest}: {err}")


async def _simple_signings(
    digest: str, fetcher: SignatureFetcher, unreadable: list[str]
) -> AsyncGenerator[Signature, None]:
    fetched = await fetcher.fetch_manifest(signature_tag(digest))
    if fetched is None:
        return
    try:
        layers = [layer for layer in manifest_layers(fetched[0]) if layer.media_type == SIMPLE_SIGNING_MEDIA_TYPE]
    except LayoutError as err:
        unreadable.append(f"{signature_tag(digest)}: {err}")
        return
    for layer in layers:
        try:
            yield simple_signing(await _blob(fetcher, layer.digest), layer.annotations)
        except LayoutError as err:
            unreadable.append(f"{signature_tag(digest)} layer {layer.digest}: {err}")


async def _blob(fetcher: SignatureFetcher, digest: str) -> bytes:
    data = await fetcher.fetch_blob(digest)
    if not blob_matches(digest, data):
        raise LayoutError(f"the blob {digest} does not match its digest")
    return data
