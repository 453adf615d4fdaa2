"""Commit signing keys from an ImageUpdateAutomation's `signingKey` Secret, set up for one `git commit`.

As Flux reads them: an OpenPGP key in `git.asc` (its passphrase in `passphrase`), or an ssh key in
`identity` (its passphrase in `password`). The key never goes on a command line: an OpenPGP key is
imported into a throwaway GNUPGHOME that `gpg` reads its passphrase for from a private file; an ssh key is
decrypted in memory and written, unencrypted, to a 0600 file in a 0700 directory that is removed after
the commit.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization

from reflow.engines.git.errors import GitError
from reflow.kube.privatefile import write_private

SigningKind = Literal["gpg", "ssh"]


class SigningKeyError(GitError):
    """The signing key Secret cannot be used: missing key, unreadable key, wrong or missing passphrase."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SigningKey:
    """A private key to sign commits with, and its passphrase; `repr` shows neither."""

    kind: SigningKind
    key: bytes
    passphrase: bytes = b""
    secret_name: str = ""
    key_id: str = ""
    """OpenPGP only: the key (fingerprint or its last 16 hex digits) to pick when the key ring holds several."""

    def __repr__(self) -> str:
        return f"SigningKey(<{self.kind} from {self.secret_name}>)"


@dataclass(frozen=True, slots=True)
class SigningSetup:
    """The `git -c` settings and environment that make `git commit -S` use the key."""

    config: tuple[tuple[str, str], ...]
    env: Mapping[str, str] = field(default_factory=dict)


def signing_key_from_secret(data: Mapping[str, bytes], kind: SigningKind | None, secret_name: str) -> SigningKey:
    """The key of the Secret `secret_name` for `kind` (`gpg` when unset), with Flux's checks and messages."""
    if kind in (None, "gpg"):
        if "git.asc" not in data:
            raise SigningKeyError(f"signing key secret '{secret_name}' does not contain a 'git.asc' key")
        return SigningKey(kind="gpg", key=data["git.asc"], passphrase=data.get("passphrase", b""),
                          secret_name=secret_name)  # fmt: skip
    if "identity" not in data:
        raise SigningKeyError(f"signing key secret '{secret_name}' does not contain an 'identity' key")
    return SigningKey(kind="ssh", key=data["identity"], passphrase=data.get("password", b""), secret_name=secret_name)


@asynccontextmanager
async def signing(key: SigningKey, directory: Path) -> AsyncIterator[SigningSetup]:
    """The key set up under `directory` (private, removed by the caller) for one signed commit."""
    if key.kind == "ssh":
        private = write_private(directory / "signing-key", _unencrypted_ssh_key(key))
        yield SigningSetup((("gpg.format", "ssh"), ("user.signingkey", str(private))))
        return
    home = directory / "gnupg"
    home.mkdir(mode=0o700)
    env = {"GNUPGHOME": str(home)}
    try:
        yield await _gpg_setup(key, directory, env)
    finally:
        await _stop_agent(env)


async def _gpg_setup(key: SigningKey, directory: Path, env: Mapping[str, str]) -> SigningSetup:
    await _gpg(
        ["--batch", "--import"],
        env,
        stdin=key.key,
        failure=f"could not read signing key from secret '{key.secret_name}'",
    )
    listing = await _gpg(["--batch", "--with-colons", "--list-secret-keys"], env, failure="could not list signing keys")
    fingerprints = _primary_fingerprints(listing)
    if key.key_id:
        fingerprints = [fpr for fpr in fingerprints if fpr.upper().endswith(key.key_id.upper().removeprefix("0X"))]
        if not fingerprints:
            raise SigningKeyError(f"no signing key with id '{key.key_id}' in '{key.secret_name}'")
    if len(fingerprints) != 1:
        raise SigningKeyError(
            f"multiple entities read from secret '{key.secret_name}', could not determine which signing key to use"
            if fingerprints
            else f"could not read signing key from secret '{key.secret_name}': no private key in 'git.asc'"
        )
    passphrase = write_private(directory / "passphrase", key.passphrase)
    program = write_private(
        directory / "gpg-sign",
        f'#!/bin/sh\nexec gpg --batch --pinentry-mode loopback --passphrase-file {shlex.quote(str(passphrase))} "$@"\n',
        mode=0o700,
    )
    config = (("gpg.format", "openpgp"), ("gpg.program", str(program)), ("user.signingkey", fingerprints[0]))
    return SigningSetup(config, env)


async def _stop_agent(env: Mapping[str, str]) -> None:
    """Stop the gpg-agent that importing and signing started for the throwaway home."""
    process = await asyncio.create_subprocess_exec(
        "gpgconf", "--kill", "gpg-agent", env=_environment(env),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await process.wait()


def _environment(env: Mapping[str, str]) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", os.defpath), **env}


def _unencrypted_ssh_key(key: SigningKey) -> bytes:
    try:
        loaded = serialization.load_ssh_private_key(key.key, key.passphrase or None)
    except (ValueError, TypeError) as err:
        said = str(err).lower()
        if "password" in said and not key.passphrase:
            raise SigningKeyError(
                f"can not use passphrase protected signing key without 'password' field present in secret"
                f" {key.secret_name}"
            ) from None
        raise SigningKeyError(f"could not parse SSH signing key from secret '{key.secret_name}': {err}") from None
    return loaded.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )


def _primary_fingerprints(listing: str) -> list[str]:
    fingerprints: list[str] = []
    primary = False
    for line in listing.splitlines():
        kind = line.split(":", 1)[0]
        if kind in ("sec", "ssb"):
            primary = kind == "sec"
        elif kind == "fpr" and primary:
            fingerprints.append(line.split(":")[9])
            primary = False
    return fingerprints


async def _gpg(args: list[str], env: Mapping[str, str], *, failure: str, stdin: bytes = b"") -> str:
    process = await asyncio.create_subprocess_exec(
        "gpg", *args, env=_environment(env),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate(stdin)
    if process.returncode != 0:
        said = "; ".join(line for line in err.decode(errors="replace").splitlines() if line.strip())[-300:]
        raise SigningKeyError(f"{failure}: {said or 'gpg failed'}")
    return out.decode(errors="replace")
