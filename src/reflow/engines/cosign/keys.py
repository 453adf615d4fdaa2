"""The public keys of `spec.verify.secretRef` and the signature checks cosign's key pairs need.

Every Secret entry whose name ends in `.pub` is a PEM public key, as Flux reads it. cosign signs with
ECDSA (P-256 from `cosign generate-key-pair`; P-384 and P-521 when imported) hashed with the curve's
own hash, RSA PKCS #1 v1.5 with SHA-256, or Ed25519. A key of another kind, or an entry that is not a
PEM public key, fails the whole Secret: a typo must not silently drop a key the user relies on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from reflow.engines.cosign.errors import MalformedKey, NoPublicKeys

KEY_SUFFIX = ".pub"
_CURVE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}
VerifyingKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One `*.pub` entry: its name in the Secret and the key it holds."""

    name: str
    key: VerifyingKey

    def signed(self, signature: bytes, message: bytes) -> bool:
        """True when `signature` over `message` was made with this key's private half."""
        try:
            if isinstance(self.key, ec.EllipticCurvePublicKey):
                self.key.verify(signature, message, ec.ECDSA(_CURVE_HASHES[self.key.curve.name]()))
            elif isinstance(self.key, rsa.RSAPublicKey):
                self.key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            else:
                self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_key(name: str, data: bytes) -> PublicKey:
    """The key of one Secret entry; `MalformedKey` names the entry and says what is wrong with it."""
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as err:
        raise MalformedKey(f"the Secret entry {name!r} is not a PEM public key ({err})") from err
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in _CURVE_HASHES:
        raise MalformedKey(
            f"the Secret entry {name!r} holds an ECDSA key on {key.curve.name}, which cosign does not use"
        )
    if not isinstance(key, VerifyingKey):
        raise MalformedKey(
            f"the Secret entry {name!r} holds a {type(key).__name__}; cosign keys are ECDSA, RSA or Ed25519"
        )
    return PublicKey(name, key)


def public_keys(data: Mapping[str, bytes]) -> tuple[PublicKey, ...]:
    """The keys of every `*.pub` entry of the Secret's (decoded) data, in entry name order."""
    keys = tuple(parse_key(name, value) for name, value in sorted(data.items()) if name.endswith(KEY_SUFFIX))
    if not keys:
        raise NoPublicKeys(f"the verification Secret has no entry ending in {KEY_SUFFIX}: add the cosign public key")
    return keys
