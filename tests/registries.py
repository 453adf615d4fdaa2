"""An OCI registry on loopback for tests: Debian's docker-registry, plain or behind TLS and basic auth."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import yaml

from tests.gitservers import TLSFiles, free_port, listening, terminate

READY_SECONDS = 30.0
USERNAME = "reflow"


@dataclass(frozen=True, slots=True)
class Registry:
    """A running registry at `host` ("127.0.0.1:PORT"); `ca` and the credentials are set when it has them."""

    host: str
    tls: bool
    username: str | None = None
    password: str | None = None
    ca: Path | None = None

    @property
    def base_url(self) -> str:
        """The registry's HTTP(S) root, for talking to the distribution API directly."""
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def oci_url(self, repository: str) -> str:
        """The `oci://` URL of a repository in this registry, as Flux's specs write it."""
        return f"oci://{self.host}/{repository}"

    def docker_config(self) -> bytes:
        """A `.dockerconfigjson` document holding this registry's credentials."""
        if self.username is None or self.password is None:
            raise ValueError("this registry takes no credentials")
        auth = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return json.dumps(
            {"auths": {self.host: {"username": self.username, "password": self.password, "auth": auth}}}
        ).encode()


def _config(
    root: Path, port: int, tls: TLSFiles | None, htpasswd: Path | None, token: dict[str, str] | None
) -> dict[str, object]:
    http: dict[str, object] = {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)}
    if tls is not None:
        http["tls"] = {"certificate": str(tls.server_cert), "key": str(tls.server_key)}
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}, "delete": {"enabled": True}},
        "http": http,
    }
    if htpasswd is not None:
        config["auth"] = {"htpasswd": {"realm": "reflow-tests", "path": str(htpasswd)}}
    if token is not None:
        config["auth"] = {"token": token}
    return config


@contextmanager
def serve_registry(
    root: Path,
    *,
    tls: TLSFiles | None = None,
    authenticated: bool = False,
    token: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Registry]:
    """Run docker-registry on `port` (a free loopback one by default) with its storage under `root`; stop it on exit.

    Serving the same `root` on the same `port` again brings back the registry a test stopped, content and all.

    `token` is docker-registry's `auth.token` section (realm, service, issuer, rootcertbundle): clients
    then need a bearer token from that realm."""
    program = shutil.which("docker-registry")
    if program is None:
        raise RuntimeError("docker-registry is missing: run `bash scripts/system-packages.sh test`")
    root.mkdir(parents=True, exist_ok=True)
    username = password = None
    htpasswd = None
    if authenticated:
        username, password = USERNAME, secrets.token_urlsafe(16)
        htpasswd = root / "htpasswd"
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
        htpasswd.write_text(f"{username}:{hashed}\n")
    port = port or free_port()
    config_file = root / "config.yml"
    config_file.write_text(yaml.safe_dump(_config(root, port, tls, htpasswd, token)))
    log = (root / "registry.log").open("wb")
    process = subprocess.Popen([program, "serve", str(config_file)], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not listening(process, port, READY_SECONDS):
            raise RuntimeError(f"docker-registry did not start: {(root / 'registry.log').read_text()[-2000:]}")
        yield Registry(
            host=f"127.0.0.1:{port}",
            tls=tls is not None,
            username=username,
            password=password,
            ca=tls.ca_cert if tls is not None else None,
        )
    finally:
        terminate(process)
        log.close()
