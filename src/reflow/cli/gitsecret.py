"""Git credentials as a Secret with the keys source-controller reads; SSH keys made and host keys scanned locally.

Secret material never reaches a subprocess's argv or a log line: ssh-keygen writes the key into a private
temporary directory, and ssh-keyscan only ever sees the host name and port.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reflow.api.meta import Manifest
from reflow.kube.privatefile import write_private

SSH_KEY_ALGORITHMS = ("ecdsa", "rsa", "ed25519")
ECDSA_CURVES = {"p256": 256, "p384": 384, "p521": 521}


class GitSecretError(Exception):
    """The flags do not make a usable Git credentials Secret; the message says which."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GitCredentials:
    """What the user gave for authenticating to a Git server; every field optional."""

    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    private_key_file: Path | None = None
    ca_file: Path | None = None
    ssh_key_algorithm: str = "ecdsa"
    """ecdsa (Flux's default), rsa or ed25519: the kind of key to generate when no key file is given."""
    ssh_rsa_bits: int = 2048
    ssh_ecdsa_curve: str = "p384"
    """Flux's default curve, p384."""

    @property
    def given(self) -> bool:
        """Whether any credential was given at all."""
        return any((self.username, self.password, self.bearer_token, self.private_key_file, self.ca_file))


@dataclass(frozen=True, slots=True)
class SshKey:
    """A private key in OpenSSH format and its public key line."""

    private: str
    public: str


def validate_url(url: str) -> str:
    """The URL's scheme (http, https or ssh); raises GitSecretError for others, such as scp-like `git@host:x`."""
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https", "ssh"):
        raise GitSecretError(f"git URL scheme {scheme or '(none)'!r} is not supported; use http://, https:// or ssh://")
    if not urlsplit(url).hostname:
        raise GitSecretError(f"git URL {url!r} has no host")
    return scheme


def http_data(credentials: GitCredentials) -> dict[str, str]:
    """The Secret data for an HTTP(S) remote: basic auth or a bearer token, and a CA."""
    if credentials.bearer_token and (credentials.username or credentials.password):
        raise GitSecretError("--bearer-token cannot be combined with --username/--password")
    if credentials.password and not credentials.username:
        raise GitSecretError("--password needs --username")
    data: dict[str, str] = {}
    if credentials.username:
        data["username"] = credentials.username
        data["password"] = credentials.password or ""
    if credentials.bearer_token:
        data["bearerToken"] = credentials.bearer_token
    if credentials.ca_file:
        data["ca.crt"] = _read(credentials.ca_file, "--ca-file")
    return data


async def ssh_data(url: str, credentials: GitCredentials) -> tuple[dict[str, str], SshKey]:
    """The Secret data for an SSH remote: `identity`, `identity.pub`, `known_hosts` (and `password`)."""
    if credentials.private_key_file:
        key = await _public_of(_read(credentials.private_key_file, "--private-key-file"), credentials.password)
    else:
        key = await generate_key(credentials)
    parts = urlsplit(url)
    known_hosts = await scan_host_keys(parts.hostname or "", parts.port or 22)
    data = {"identity": key.private, "known_hosts": known_hosts}
    if key.public:
        data["identity.pub"] = key.public
    if credentials.password:
        data["password"] = credentials.password
    return data, key


def secret(name: str, namespace: str, data: dict[str, str], labels: dict[str, str] | None = None) -> Manifest:
    """A Secret manifest with `stringData`, as `flux create secret … --export` prints it."""
    metadata: Manifest = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "stringData": data}


async def generate_key(credentials: GitCredentials) -> SshKey:
    """A new key pair made by ssh-keygen, with no passphrase, in a private temporary directory."""
    algorithm = credentials.ssh_key_algorithm
    if algorithm not in SSH_KEY_ALGORITHMS:
        raise GitSecretError(f"--ssh-key-algorithm {algorithm!r} is not one of {', '.join(SSH_KEY_ALGORITHMS)}")
    bits: list[str] = []
    if algorithm == "rsa":
        bits = ["-b", str(credentials.ssh_rsa_bits)]
    elif algorithm == "ecdsa":
        if credentials.ssh_ecdsa_curve not in ECDSA_CURVES:
            raise GitSecretError(f"--ssh-ecdsa-curve must be one of {', '.join(ECDSA_CURVES)}")
        bits = ["-b", str(ECDSA_CURVES[credentials.ssh_ecdsa_curve])]
    with tempfile.TemporaryDirectory(prefix="reflow-key-") as directory:
        path = Path(directory) / "identity"
        await _run("ssh-keygen", "-q", "-t", algorithm, *bits, "-N", "", "-C", "reflow", "-f", str(path))
        return SshKey(path.read_text(), (path.with_suffix(".pub")).read_text().strip())


async def scan_host_keys(host: str, port: int, *, timeout: float = 30.0) -> str:
    """The host's public keys in known_hosts format, as ssh-keyscan reports them."""
    try:
        output = await _run("ssh-keyscan", "-p", str(port), "-T", str(int(timeout)), host, timeout=timeout + 5)
    except GitSecretError as error:
        raise GitSecretError(f"no SSH host keys could be read from {host}:{port} (is it reachable?): {error}") from None
    lines = [line for line in output.splitlines() if line and not line.startswith("#")]
    if not lines:
        raise GitSecretError(f"no SSH host keys could be read from {host}:{port}")
    return "\n".join(lines) + "\n"


async def _public_of(private: str, passphrase: str | None) -> SshKey:
    with tempfile.TemporaryDirectory(prefix="reflow-key-") as directory:
        path = Path(directory) / "identity"
        write_private(path, private)
        if passphrase:
            return SshKey(private, "")
        public = await _run("ssh-keygen", "-y", "-f", str(path))
    return SshKey(private, public.strip())


def _read(path: Path, flag: str) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise GitSecretError(f"{flag} {path}: {error.strerror or error}") from error


async def _run(*argv: str, timeout: float = 60.0) -> str:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
    except FileNotFoundError as error:
        raise GitSecretError(f"{argv[0]} is not installed; it is needed for SSH remotes") from error
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
    except TimeoutError as error:
        process.kill()
        await process.wait()
        raise GitSecretError(f"{argv[0]} did not finish within {timeout:.0f} s") from error
    if process.returncode != 0:
        message = stderr.decode(errors="replace").strip().splitlines()
        raise GitSecretError(f"{argv[0]} failed: {message[-1] if message else f'exit {process.returncode}'}")
    return stdout.decode()
