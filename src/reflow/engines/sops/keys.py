"""The keys of a Kustomization's decryption Secret, and recovering a document's data key with them.

Entries are recognised by name as Flux does: `*.agekey` holds age X25519 identities (one per line,
`#` comments allowed), `*.asc` armored OpenPGP secret keys without a passphrase. Cloud KMS, Vault
transit and the other key services are not implemented: a document only they can open fails with
`UnsupportedKeyType`. Within a key group, age keys are tried first, then OpenPGP (sops's default
order); with several key groups, the shares of at least `shamir_threshold` groups are combined.

OpenPGP is read with PGPy: pysequoia 0.1.35 could not decrypt data keys encrypted to RSA keys made as
Flux's SOPS guide says (no usage lines, so the subkey may sign, encrypt and authenticate). A data key
is decrypted by the primary key or subkey whose key id the message names, so exports made with
`gpg --export-secret-subkeys` work too. PGPy 0.6.0 uses cryptography ciphers and `imghdr` that are
deprecated; those warnings are silenced around the PGPy calls only. `catch_warnings` swaps the
process-wide filters, so it is not thread-safe: a warning raised meanwhile in another thread may be
hidden too.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyrage
from cryptography.utils import CryptographyDeprecationWarning

from reflow.engines.sops import shamir
from reflow.engines.sops.errors import DataKeyUnavailable, InvalidKeyEntry, UnsupportedKeyType
from reflow.engines.sops.metadata import AGE, PGP, MasterKey, Metadata


@contextmanager
def _quiet_pgpy() -> Iterator[None]:
    """Hide the deprecation warnings PGPy 0.6.0 triggers (cryptography's CFB, TripleDES, Camellia; imghdr)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pgpy(\.|$)")
        yield


with _quiet_pgpy():
    import pgpy

AGE_EXTENSION = ".agekey"
PGP_EXTENSION = ".asc"
DATA_KEY_SIZE = 32
_ORDER = {AGE: 0, PGP: 1}
_AGE_SECRET_PREFIX = "AGE-SECRET-KEY-1"
_ARMOR_BLOCK = re.compile(rb"-----BEGIN PGP [A-Z ,0-9/]+-----.*?-----END PGP [A-Z ,0-9/]+-----", re.DOTALL)


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Private keys held in memory; `repr` shows counts only."""

    age: tuple[pyrage.x25519.Identity, ...] = field(default=(), repr=False)
    pgp: tuple[pgpy.PGPKey, ...] = field(default=(), repr=False)  # primary keys with their subkeys
    pgp_fingerprints: tuple[str, ...] = ()  # public: the primary key fingerprints, lower-case hex

    def __repr__(self) -> str:
        return f"KeyRing(age={len(self.age)}, pgp={len(self.pgp)})"

    @classmethod
    def from_secret_data(cls, data: Mapping[str, bytes]) -> KeyRing:
        """Read the `*.agekey` and `*.asc` entries of a decryption Secret (values already base64-decoded)."""
        age: list[pyrage.x25519.Identity] = []
        pgp: list[pgpy.PGPKey] = []
        fingerprints: list[str] = []
        for name in sorted(data):
            if name.endswith(AGE_EXTENSION):
                age.extend(_age_identities(name, data[name]))
            elif name.endswith(PGP_EXTENSION):
                for key in _pgp_keys(name, data[name]):
                    fingerprints.append(str(key.fingerprint).lower())
                    pgp.append(key)
        return cls(age=tuple(age), pgp=tuple(pgp), pgp_fingerprints=tuple(fingerprints))


def _age_identities(name: str, value: bytes) -> list[pyrage.x25519.Identity]:
    identities = []
    try:
        text = value.decode()
    except UnicodeDecodeError:
        raise InvalidKeyEntry(name, "not a text age key file") from None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith(_AGE_SECRET_PREFIX):
            kind = line.split("-1", 1)[0] if line.startswith("AGE-") else "not an age identity"
            raise InvalidKeyEntry(name, f"line {number}: unsupported age identity ({kind}); X25519 identities only")
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except Exception:  # pyrage raises its own IdentityError; its text would repeat the key
            raise InvalidKeyEntry(name, f"line {number}: malformed age identity") from None
    if not identities:
        raise InvalidKeyEntry(name, "no age identity found")
    return identities


def _pgp_keys(name: str, value: bytes) -> list[pgpy.PGPKey]:
    certs = []
    for block in _ARMOR_BLOCK.findall(value) or [value]:  # PGPy reads the first armored block only
        try:
            with _quiet_pgpy():
                _, primaries = pgpy.PGPKey.from_blob(block)  # the first key, and every primary key (first included)
        except Exception:  # parsing errors may quote packets
            raise InvalidKeyEntry(name, "not an OpenPGP key") from None
        certs.extend(primaries.values())
    keys = []
    for cert in certs:
        if cert.is_public:
            continue
        if next(_secret_keys(cert), None) is None:
            fingerprint = str(cert.fingerprint)
            raise InvalidKeyEntry(name, f"OpenPGP key {fingerprint} has no secret key usable without a passphrase")
        keys.append(cert)
    if not keys:
        raise InvalidKeyEntry(name, "no OpenPGP secret key found")
    return keys


def _secret_keys(cert: pgpy.PGPKey) -> Iterator[pgpy.PGPKey]:
    """The primary key and subkeys whose secret part is present and not passphrase-protected."""
    for key in (cert, *cert.subkeys.values()):
        if not key.is_public and key.is_unlocked:
            yield key


def decrypt_data_key(metadata: Metadata, keys: KeyRing, *, file: str) -> bytes:
    """The document's 256-bit data key, from one key group or combined from enough groups' shares."""
    parts: list[bytes] = []
    failures: list[str] = []
    unsupported: list[str] = []
    for number, group in enumerate(metadata.key_groups, start=1):
        part, reasons, group_unsupported = _decrypt_group(group, keys)
        unsupported.extend(group_unsupported)
        if part is not None:
            parts.append(part)
        else:
            prefix = f"group {number}: " if len(metadata.key_groups) > 1 else ""
            failures.append(prefix + "; ".join(reasons or ["no master keys"]))
    if len(metadata.key_groups) == 1:
        if not parts:
            _raise_unavailable(file, failures, unsupported, metadata)
        data_key = parts[0]
    else:
        if len(parts) < metadata.shamir_threshold:
            _raise_unavailable(file, failures, unsupported, metadata, needed=metadata.shamir_threshold, got=len(parts))
        try:
            data_key = shamir.combine(parts)
        except shamir.ShamirError as err:
            raise DataKeyUnavailable(file, f"could not combine the key groups' shares: {err}") from None
    if len(data_key) != DATA_KEY_SIZE:
        raise DataKeyUnavailable(file, "the recovered data key is not 256 bits long")
    return data_key


def _raise_unavailable(
    file: str, failures: list[str], unsupported: list[str], metadata: Metadata, *, needed: int = 1, got: int = 0
) -> None:
    all_keys = [key for group in metadata.key_groups for key in group]
    if unsupported and len(unsupported) == len(all_keys):
        raise UnsupportedKeyType(file, unsupported)
    quorum = f" (recovered {got} of the {needed} key groups needed)" if len(metadata.key_groups) > 1 else ""
    raise DataKeyUnavailable(file, f"cannot get the sops data key{quorum}: " + " | ".join(failures))


def _decrypt_group(group: tuple[MasterKey, ...], keys: KeyRing) -> tuple[bytes | None, list[str], list[str]]:
    reasons: list[str] = []
    unsupported: list[str] = []
    for master in sorted(group, key=lambda key: _ORDER.get(key.type, len(_ORDER))):
        if master.type == AGE:
            part, reason = _age_decrypt(master, keys)
        elif master.type == PGP:
            part, reason = _pgp_decrypt(master, keys)
        else:
            unsupported.append(master.type)
            part, reason = None, f"unsupported key type {master.type}"
        if part is not None:
            return part, reasons, unsupported
        reasons.append(f"{master}: {reason}")
    return None, reasons, unsupported


def _age_decrypt(master: MasterKey, keys: KeyRing) -> tuple[bytes | None, str]:
    if not keys.age:
        return None, "no age identity in the decryption Secret"
    try:
        return bytes(pyrage.decrypt(master.enc.encode(), list(keys.age))), ""
    except Exception:  # DecryptError, or a malformed age file
        return None, "no age identity in the decryption Secret matches"


def _pgp_decrypt(master: MasterKey, keys: KeyRing) -> tuple[bytes | None, str]:
    if not keys.pgp:
        return None, "no OpenPGP key in the decryption Secret"
    try:
        with _quiet_pgpy():
            message = pgpy.PGPMessage.from_blob(master.enc)
    except Exception:  # not armored, or malformed packets
        return None, "the encrypted data key is not an OpenPGP message"
    if not message.is_encrypted:
        return None, "the data key is not encrypted to an OpenPGP key"
    recipients = set(message.encrypters)  # key ids of the primary keys or subkeys it is encrypted to
    for cert in keys.pgp:
        for key in _secret_keys(cert):
            if key.fingerprint.keyid not in recipients:
                continue
            try:
                with _quiet_pgpy():
                    contents = key.decrypt(message).message
            except Exception:  # wrong key material, a failed integrity check, an unsupported cipher
                continue
            if isinstance(contents, (bytes, bytearray)):
                return bytes(contents), ""
    return None, "no OpenPGP key in the decryption Secret can decrypt it"
