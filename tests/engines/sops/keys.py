"""SOPS test keys: age key pairs, and OpenPGP keys made by GnuPG, read from memory by the tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest

from reflow.engines.sops import KeyRing


@dataclass(frozen=True, slots=True)
class AgeKey:
    """An age X25519 key pair made for the test session."""

    identity: str
    recipient: str


@dataclass(frozen=True, slots=True)
class PgpKey:
    """An OpenPGP key made by GnuPG for the test session, with its armored secret key."""

    fingerprint: str
    armored: bytes  # `gpg --export-secret-keys`
    subkeys_only: bytes  # `gpg --export-secret-subkeys`: the primary key's secret part is a stub
    public: bytes  # `gpg --export`
    subkey_usage: str  # GnuPG's capability letters for the subkey: e encrypt, s sign, a authenticate


@dataclass(frozen=True, slots=True)
class Keys:
    """The session's keys; `secret_data` is a decryption Secret holding all of them."""

    age: AgeKey
    age2: AgeKey
    rsa: PgpKey
    ed25519: PgpKey
    flux: PgpKey  # made exactly as Flux's SOPS guide says, but 2048-bit to keep the tests quick
    protected: PgpKey  # has a passphrase, which Flux does not support
    gnupg_home: Path

    def pgp(self, name: str) -> PgpKey:
        """The OpenPGP key behind a ring entry name (`flux-subkeys` is the `flux` key)."""
        return {"rsa": self.rsa, "ed25519": self.ed25519, "flux": self.flux, "flux-subkeys": self.flux}[name]

    def exported_together(self, *names: str) -> bytes:
        """One armored block holding several secret keys, as `gpg --export-secret-keys A B` writes it."""
        return _gpg(self.gnupg_home, "--armor", "--export-secret-keys", *(self.pgp(n).fingerprint for n in names))

    def ring(self, *names: str) -> KeyRing:
        entries = {
            "age": ("identity.agekey", self.age.identity.encode()),
            "age2": ("second.agekey", self.age2.identity.encode()),
            "rsa": ("rsa.asc", self.rsa.armored),
            "ed25519": ("ed25519.asc", self.ed25519.armored),
            "flux": ("sops.asc", self.flux.armored),
            "flux-subkeys": ("subkeys.asc", self.flux.subkeys_only),
        }
        return KeyRing.from_secret_data(dict(entries[name] for name in names))


Encrypt = Callable[..., bytes]
"""The `encrypt` fixture: `encrypt(plain, fmt, *sops_flags, config=None, env=None)` returns the encrypted bytes."""


def _age_key() -> AgeKey:
    identity = pyrage.x25519.Identity.generate()
    return AgeKey(identity=str(identity), recipient=str(identity.to_public()))


def _gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["gpg", "--batch", "--homedir", str(home), *args], input=stdin, capture_output=True, check=False, timeout=120
    )
    if result.returncode != 0:
        pytest.fail(f"gpg {args[0]} failed: {result.stderr.decode(errors='replace')}", pytrace=False)
    return result.stdout


# The parameters of Flux's guide (https://fluxcd.io/flux/guides/mozilla-sops/#generate-a-gpg-key) with
# 2048-bit instead of 4096-bit keys: no Key-Usage/Subkey-Usage lines, so GnuPG gives the RSA subkey
# every usage its algorithm allows (sign, encrypt, authenticate).
FLUX_GUIDE_PARAMS = """\
%no-protection
Key-Type: 1
Key-Length: 2048
Subkey-Type: 1
Subkey-Length: 2048
Expire-Date: 0
Name-Comment: flux secrets
Name-Real: cluster0.yourdomain.com
"""
RSA_PARAMS = """\
%no-protection
Key-Type: RSA
Key-Length: 3072
Key-Usage: sign
Subkey-Type: RSA
Subkey-Length: 3072
Subkey-Usage: encrypt
Name-Real: reflow rsa
Name-Email: rsa@reflow.invalid
Expire-Date: 0
%commit
"""
ED25519_PARAMS = """\
%no-protection
Key-Type: EDDSA
Key-Curve: ed25519
Subkey-Type: ECDH
Subkey-Curve: cv25519
Name-Real: reflow ed25519
Name-Email: ed25519@reflow.invalid
Expire-Date: 0
%commit
"""
PROTECTED_PARAMS = """\
Key-Type: EDDSA
Key-Curve: ed25519
Subkey-Type: ECDH
Subkey-Curve: cv25519
Passphrase: correct horse
Name-Real: reflow protected
Name-Email: protected@reflow.invalid
Expire-Date: 0
%commit
"""


def _pgp_key(home: Path, user_id: str, params: str, *, passphrase: str | None = None) -> PgpKey:
    unlock = ["--pinentry-mode", "loopback", "--passphrase", passphrase] if passphrase else []
    _gpg(home, *unlock, "--full-generate-key", stdin=params.encode())
    listing = _gpg(home, "--with-colons", "--list-secret-keys", user_id).decode().splitlines()
    fingerprint = next(line.split(":")[9] for line in listing if line.startswith("fpr:"))
    subkey_usage = next(line.split(":")[11] for line in listing if line.startswith("ssb:"))
    return PgpKey(
        fingerprint=fingerprint,
        armored=_gpg(home, *unlock, "--armor", "--export-secret-keys", fingerprint),
        subkeys_only=_gpg(home, *unlock, "--armor", "--export-secret-subkeys", fingerprint),
        public=_gpg(home, "--armor", "--export", fingerprint),
        subkey_usage=subkey_usage,
    )


def generate(home: Path) -> Keys:
    """Two age keys and four GnuPG keys made in the GnuPG home `home` (see `Keys`)."""
    return Keys(
        age=_age_key(),
        age2=_age_key(),
        rsa=_pgp_key(home, "rsa@reflow.invalid", RSA_PARAMS),
        ed25519=_pgp_key(home, "ed25519@reflow.invalid", ED25519_PARAMS),
        flux=_pgp_key(home, "cluster0.yourdomain.com", FLUX_GUIDE_PARAMS),
        protected=_pgp_key(home, "protected@reflow.invalid", PROTECTED_PARAMS, passphrase="correct horse"),
        gnupg_home=home,
    )


def stop_agent(home: Path) -> None:
    """Stop the gpg-agent GnuPG started for `home`."""
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True)
