"""The public keys of `spec.verify.secretRef` and the signature checks cosign's key pairs need.

Every Secret entry whose name ends in `.pub` is a PEM public key, as Flux reads it. A key of another
kind than cosign's, or an entry that is not a PEM public key, fails the whole Secret: a typo must not
silently drop a key the user relies on.

Signatures are checked as `cosign verify --key` checks them: ECDSA (P-256 from `cosign
generate-key-pair`, or P-384/P-521 imported) over SHA-256, RSA PKCS #1 v1.5 over SHA-256, pure
Ed25519. cosign 3.1.3's `sign` hashes with SHA-384/SHA-512 for P-384/P-521 keys and makes Ed25519ph
signatures for Ed25519 keys, which its own verification then refuses (in both formats); reflow gives
the same verdict, and its error says to use a P-256 or RSA key.
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
CURVES = ("secp256r1", "secp384r1", "secp521r1")
VerifyingKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One `*.pub` entry: its name in the Secret and the key it holds."""

    name: str
    key: VerifyingKey

    @property
    def unverifiable(self) -> str | None:
        """Why cosign's own signatures made with this key never verify, for the keys where they do not."""
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            return f"{self.name} is an Ed25519 key (cosign 3 signs images with Ed25519ph)"
        if isinstance(self.key, ec.EllipticCurvePublicKey) and self.key.curve.name != "secp256r1":
            return f"{self.name} is an ECDSA {self.key.curve.name} key (cosign 3 signs with SHA-384 or SHA-512)"
        return None

    def signed(self, signature: bytes, message: bytes) -> bool:
        """True when `signature` over `message` was made with this key's private half."""
        try:
            if isinstance(self.key, ec.EllipticCurvePublicKey):
                self.key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
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
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in CURVES:
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
