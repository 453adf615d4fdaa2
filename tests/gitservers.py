"""Real git servers for tests: reflow's own `git http-backend` server (basic/bearer auth, TLS) and Debian's sshd.

Both bind loopback only. Helpers make a per-session certificate authority, ssh and OpenPGP keys, and bare
repositories with commits, branches and (signed) tags.
"""

from __future__ import annotations

import datetime
import getpass
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reflow.dev.gitserver import GIT_ENV
from reflow.dev.gitserver import GitHttpServer as GitHttpServer  # the HTTP git server is reflow's own
from reflow.dev.gitserver import Request as Request
from reflow.dev.gitserver import serve_git_http as serve_git_http

_IDENTITY = ("-c", "user.name=Reflow Tests", "-c", "user.email=tests@reflow.invalid", "-c", "init.defaultBranch=main")


def run(*args: str | Path, cwd: Path | None = None, env: Mapping[str, str] | None = None, stdin: bytes = b"") -> str:
    """Run a command for test setup; raise with its stderr when it fails."""
    merged = {**os.environ, **GIT_ENV, **(env or {})}
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=merged, input=stdin, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} {args[1] if len(args) > 1 else ''} failed: {done.stderr.decode()}")
    return done.stdout.decode()


def wrap_program(directory: Path, program: str, before: str) -> None:
    """Put a `program` in `directory` (first on PATH) that runs the shell lines `before`, then the real one."""
    real = shutil.which(program)
    assert real is not None, f"{program} is not installed"
    script = directory / program
    script.write_text(f'#!/bin/sh\n{before}\nexec {real} "$@"\n')
    script.chmod(0o755)


# --- TLS -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """A session CA and a server certificate for 127.0.0.1/localhost signed by it (PEM files)."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_tls(directory: Path) -> TLSFiles:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("reflow test CA"))
        .issuer_name(_name("reflow test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TLSFiles(directory / "ca.crt", directory / "server.crt", directory / "server.key")
    files.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.server_key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


# --- git over SSH --------------------------------------------------------------------------------------------


def ssh_keygen(path: Path, passphrase: str = "", comment: str = "reflow-tests") -> Path:
    """An ed25519 key pair at `path` and `path.pub`."""
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", comment, "-f", path)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(process: subprocess.Popen[bytes], port: int, seconds: float) -> bool:
    """Whether `process` accepts connections on 127.0.0.1:`port` within `seconds` (False as soon as it exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def terminate(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a server process started for a test, if it still runs."""
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


@dataclass(slots=True, kw_only=True)
class SshServer:
    """Debian's sshd on a loopback port, key authentication only, for the current user."""

    directory: Path
    port: int = 0
    host_key: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def known_hosts(self) -> bytes:
        assert self.host_key is not None
        return f"[127.0.0.1]:{self.port} {self.host_key.with_suffix('.pub').read_text()}".encode()

    def url(self, path: Path) -> str:
        return f"ssh://{getpass.getuser()}@127.0.0.1:{self.port}{path}"

    def authorise(self, public_key: Path) -> None:
        with (self.directory / "authorized_keys").open("a") as keys:
            keys.write(public_key.read_text())

    def start(self) -> None:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        self.host_key = ssh_keygen(self.directory / "host_ed25519")
        (self.directory / "authorized_keys").touch()
        for _ in range(5):
            self.port = free_port()
            config = self.directory / "sshd_config"
            config.write_text(
                "\n".join(
                    [
                        f"Port {self.port}",
                        "ListenAddress 127.0.0.1",
                        f"HostKey {self.host_key}",
                        f"PidFile {self.directory / 'sshd.pid'}",
                        f"AuthorizedKeysFile {self.directory / 'authorized_keys'}",
                        "StrictModes no",
                        "UsePAM no",
                        "PasswordAuthentication no",
                        "KbdInteractiveAuthentication no",
                        "PubkeyAuthentication yes",
                        "PermitRootLogin prohibit-password",
                        "LogLevel ERROR",
                        "",
                    ]
                )
            )
            self.process = subprocess.Popen(
                [
                    shutil.which("sshd", path="/usr/sbin:/usr/bin:/sbin") or "/usr/sbin/sshd",
                    "-D",
                    "-e",
                    "-f",
                    str(config),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            if listening(self.process, self.port, 10):
                return
            error = (
                self.process.stderr.read().decode() if self.process.poll() is not None and self.process.stderr else ""
            )
            self.stop()
            if "Address already in use" not in error:
                raise RuntimeError(f"sshd did not start: {error}")
        raise RuntimeError("sshd did not find a free port")

    def stop(self) -> None:
        terminate(self.process)
        self.process = None


# --- signing keys --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GpgKey:
    """An OpenPGP signing key in its own GNUPGHOME, and its armored public key."""

    home: Path
    fingerprint: str
    public: bytes


def gpg_key(home: Path, email: str) -> GpgKey:
    home.mkdir(mode=0o700, parents=True)
    env = {"GNUPGHOME": str(home)}
    run("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", email,
        "ed25519", "sign", "1d", env=env)  # fmt: skip
    listing = run("gpg", "--batch", "--with-colons", "--list-secret-keys", email, env=env)
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    public = run("gpg", "--batch", "--armor", "--export", fingerprint, env=env).encode()
    return GpgKey(home=home, fingerprint=fingerprint, public=public)


def armored_secret_key(key: GpgKey) -> bytes:
    """The key's private half, ASCII-armored, as a `git.asc` signing Secret holds it."""
    return run(
        "gpg", "--batch", "--armor", "--export-secret-keys", key.fingerprint, env={"GNUPGHOME": str(key.home)}
    ).encode()


def signature_of(repository: Path, commit: str, key: GpgKey) -> str:
    """`%G?|%GF` of a commit (`G|<fingerprint>` for a good signature), checked with the key's keyring."""
    return run(
        "git", "-C", repository, "log", "-1", "--format=%G?|%GF", commit, env={"GNUPGHOME": str(key.home)}
    ).strip()


def stop_gpg_agent(key: GpgKey) -> None:
    """Stop the agent gpg started for this key's home."""
    run("gpgconf", "--kill", "gpg-agent", env={"GNUPGHOME": str(key.home)})


@dataclass(frozen=True, slots=True)
class Signer:
    """How the repository helper signs: an OpenPGP key or an ssh key file."""

    gpg: GpgKey | None = None
    ssh_key: Path | None = None

    def git_options(self) -> tuple[list[str], dict[str, str]]:
        if self.gpg is not None:
            return ["-c", f"user.signingkey={self.gpg.fingerprint}"], {"GNUPGHOME": str(self.gpg.home)}
        assert self.ssh_key is not None
        return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={self.ssh_key}"], {}


# --- repositories --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Repo:
    """A bare repository under a server root and a work tree that builds its history and pushes it."""

    bare: Path
    work: Path

    @classmethod
    def create(cls, root: Path, name: str, scratch: Path) -> Repo:
        bare = root / f"{name}.git"
        run("git", *_IDENTITY, "init", "--quiet", "--bare", bare)
        work = scratch / name
        run("git", *_IDENTITY, "init", "--quiet", work)
        run("git", "-C", work, "remote", "add", "origin", bare)
        return cls(bare=bare, work=work)

    def git(self, *args: str, signer: Signer | None = None) -> str:
        options, env = signer.git_options() if signer else ([], {})
        return run("git", *_IDENTITY, *options, "-C", self.work, *args, env=env).strip()

    def commit(
        self,
        files: Mapping[str, str | bytes | None],
        message: str,
        *,
        branch: str = "main",
        signer: Signer | None = None,
    ) -> str:
        """Write (or with None delete) files on `branch`, commit, push; the new commit id."""
        if self.git("branch", "--list", branch) or not self.git("branch", "--list"):
            self.git("checkout", "--quiet", "-B", branch)
        else:
            self.git("checkout", "--quiet", "-b", branch)
        for name, content in files.items():
            path = self.work / name
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", *(["-S"] if signer else []), "-m", message, signer=signer)
        self.git("push", "--quiet", "--force", "origin", branch)
        return self.git("rev-parse", "HEAD")

    def symlink(self, name: str, target: str) -> None:
        (self.work / name).symlink_to(target)

    def tag(self, name: str, target: str = "HEAD", *, message: str | None = None, signer: Signer | None = None) -> str:
        """A lightweight tag, or annotated with `message`, signed with `signer`; pushed. The commit id."""
        args = ["tag", "--force"]
        if signer is not None:
            args += ["-s", "-m", message or name]
        elif message is not None:
            args += ["-a", "-m", message]
        self.git(*args, name, target, signer=signer)
        self.git("push", "--quiet", "--force", "origin", f"refs/tags/{name}")
        return self.git("rev-parse", f"{name}^{{commit}}")

    def branch(self, name: str, target: str = "HEAD") -> None:
        self.git("branch", "--force", name, target)
        self.git("push", "--quiet", "--force", "origin", name)
