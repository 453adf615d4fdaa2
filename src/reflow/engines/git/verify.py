"""Check commit and tag signatures of a checkout against the keys in `spec.verify.secretRef`.

Keys named `*.sshpub` are SSH public keys (one per line) and become an allowed-signers file; every
other key is an OpenPGP key imported into a private, throw-away GNUPGHOME. `git verify-commit` and
`git verify-tag` then decide, so both signature kinds work for both modes.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from reflow.engines.git.checkout import Checkout
from reflow.engines.git.errors import GitError, VerificationFailed
from reflow.engines.git.run import run_git
from reflow.engines.git.transport import Transport
from reflow.kube.privatefile import write_private

SSH_KEY_SUFFIX = ".sshpub"
_PGP_FINGERPRINT = re.compile(r"^\[GNUPG:\] VALIDSIG ([0-9A-F]+) ", re.MULTILINE)
_SSH_FINGERPRINT = re.compile(r"Good \"git\" signature .* with \S+ key (SHA256:\S+)")


class VerificationMode(StrEnum):
    """`spec.verify.mode`: what must carry a trusted signature."""

    HEAD = "HEAD"
    TAG = "Tag"
    TAG_AND_HEAD = "TagAndHEAD"

    @classmethod
    def parse(cls, mode: str) -> VerificationMode:
        """Accepts the CRD's values, including the legacy lowercase `head`."""
        return cls.HEAD if mode in ("head", "HEAD") else cls(mode)


@dataclass(frozen=True, slots=True)
class Verification:
    """A successful check: the mode and the fingerprints of the keys whose signatures verified."""

    mode: VerificationMode
    fingerprints: tuple[str, ...]


def _ssh_signers(keys: Mapping[str, bytes]) -> str:
    lines = []
    for name, data in sorted(keys.items()):
        if name.endswith(SSH_KEY_SUFFIX):
            lines += [f'* namespaces="git" {line.strip()}' for line in data.decode().splitlines() if line.strip()]
    return "".join(f"{line}\n" for line in lines)


@contextmanager
def _keyring(keys: Mapping[str, bytes]) -> Iterator[tuple[Path, dict[str, str]]]:
    directory = Path(tempfile.mkdtemp(prefix="reflow-verify-"))
    try:
        directory.chmod(0o700)
        gnupg = directory / "gnupg"
        gnupg.mkdir(mode=0o700)
        signers = write_private(directory / "allowed_signers", _ssh_signers(keys))
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(directory),
            "LC_ALL": "C",
            "GNUPGHOME": str(gnupg),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "gpg.ssh.allowedSignersFile",
            "GIT_CONFIG_VALUE_0": str(signers),
        }
        yield directory, env
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _import_pgp(keys: Mapping[str, bytes], directory: Path, env: Mapping[str, str], timeout: float) -> None:
    for index, (name, data) in enumerate(sorted(keys.items())):
        if name.endswith(SSH_KEY_SUFFIX):
            continue
        path = write_private(directory / f"key-{index}", data)
        process = await asyncio.create_subprocess_exec(
            "gpg",
            "--batch",
            "--import",
            str(path),
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        try:
            async with asyncio.timeout(timeout):
                _, err = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if process.returncode != 0:
            said = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise VerificationFailed(f"unable to read the verification key '{name}': {said[0]}")


async def _verify(command: str, target: str, what: str, checkout: Checkout, env: Mapping[str, str]) -> str:
    try:
        completed = await run_git(
            [command, "--raw", target],
            transport=Transport(env=env),
            timeout=30.0,
            action=f"verify the signature of {what} in",
            url=str(checkout.path),
            cwd=checkout.path,
        )
    except GitError as error:
        said = str(error).rpartition(": ")[2]
        raise VerificationFailed(f"signature of {what} could not be verified with the given keys: {said}") from None
    found = _PGP_FINGERPRINT.findall(completed.stderr) + _SSH_FINGERPRINT.findall(completed.stderr)
    if not found:
        raise VerificationFailed(f"signature of {what} could not be verified with the given keys")
    return str(found[0])


async def verify_checkout(
    checkout: Checkout, mode: str | VerificationMode, keys: Mapping[str, bytes], *, timeout: float = 60.0
) -> Verification:
    """Verify what `mode` asks for; raise `VerificationFailed` unless every signature checks out.

    `keys` is the verification Secret's data. Tag modes need a ref that selected a tag.
    """
    mode = VerificationMode.parse(mode) if isinstance(mode, str) else mode
    if not keys:
        raise VerificationFailed("no keys to verify signatures with: the verification Secret has no data")
    tag = checkout.ref.tag
    if mode is not VerificationMode.HEAD and tag is None:
        raise VerificationFailed(f"mode {mode} needs a tag reference, but {checkout.ref.kind} was used")
    fingerprints = []
    with _keyring(keys) as (directory, env):
        await _import_pgp(keys, directory, env, timeout)
        if tag is not None and mode is not VerificationMode.HEAD:
            fingerprints.append(await _verify("verify-tag", f"refs/tags/{tag}", f"tag '{tag}'", checkout, env))
        if mode is not VerificationMode.TAG:
            fingerprints.append(
                await _verify("verify-commit", checkout.commit, f"commit '{checkout.commit}'", checkout, env)
            )
    return Verification(mode=mode, fingerprints=tuple(fingerprints))
