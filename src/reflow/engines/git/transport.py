"""How one git command reaches its remote: a private environment with credentials in temp files.

Secrets never go on a command line. A user and password written in the URL are taken out of it (git
and its remote helper only ever see `Transport.url`) and join the credentials. Files holding secrets
live in a fresh 0700 directory, are created 0600 and are removed when the context ends. Git and ssh are
cut off from the user's and the system's configuration, so only what is set here applies: git reads
`GIT_CONFIG_*` entries from the environment, asks the `askpass` script for a username, password or key
passphrase (the script reads the files), and runs ssh with this source's key and known_hosts only,
checking host keys strictly. When HTTP credentials are set, git follows no redirect: after one, git
would send every later request, with the token or password, to wherever the redirect pointed. A proxy
from the source's `proxySecretRef` goes to git as `http.proxy` (its credentials included, so still
only in the environment) and replaces the proxy variables of the controller's environment.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from reflow.engines.git.credentials import Credentials
from reflow.engines.git.errors import GitError, InvalidURL, public_url, redact
from reflow.engines.git.proxy import Proxy
from reflow.kube.privatefile import write_private

SCHEMES = ("http", "https", "ssh")
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
_ASKPASS = """#!/bin/sh
case "$1" in
  Username*|username*) exec cat {username} ;;
  *) exec cat {password} ;;
esac
"""


@dataclass(frozen=True, slots=True)
class Transport:
    """The environment for git commands against one remote, the remote's URL as git may see it (no
    password), and the secrets to mask in their output."""

    env: Mapping[str, str]
    secrets: tuple[str, ...] = field(default=())
    url: str = ""

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)


def check_url(url: str) -> str:
    """The URL if it is one Flux accepts (http, https or ssh scheme with a host); otherwise `InvalidURL`."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise InvalidURL(f"invalid URL '{public_url(url)}': {error}") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise InvalidURL(f"invalid URL '{public_url(url)}': the scheme must be http, https or ssh, with a host")
    return url


def split_userinfo(url: str, credentials: Credentials) -> tuple[str, Credentials]:
    """`url` without its password (and, for http(s), without its user), and the credentials with the URL's
    user and password filling the fields the Secret left empty."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, credentials
    host = parts.netloc.rpartition("@")[2]
    keep_user = parts.scheme == "ssh" and parts.username
    stripped = urlunsplit(parts._replace(netloc=f"{parts.username}@{host}" if keep_user else host))
    if keep_user:
        return stripped, credentials
    return stripped, replace(
        credentials,
        username=credentials.username or unquote(parts.username or "") or None,
        password=credentials.password or unquote(parts.password or "") or None,
    )


def _ssh_command(directory: Path, credentials: Credentials, connect_timeout: int) -> str:
    known_hosts = write_private(directory / "known_hosts", credentials.known_hosts or b"")
    words = [
        "ssh",
        *("-F", "/dev/null"),
        *("-o", f"UserKnownHostsFile={known_hosts}"),
        *("-o", "GlobalKnownHostsFile=/dev/null"),
        *("-o", "StrictHostKeyChecking=yes"),
        *("-o", "PasswordAuthentication=no"),
        *("-o", "KbdInteractiveAuthentication=no"),
        *("-o", f"ConnectTimeout={connect_timeout}"),
    ]
    if credentials.identity:
        identity = credentials.identity if credentials.identity.endswith(b"\n") else credentials.identity + b"\n"
        words += ["-o", "IdentitiesOnly=yes", "-i", str(write_private(directory / "identity", identity))]
    if not (credentials.identity and credentials.password):
        words += ["-o", "BatchMode=yes"]
    return shlex.join(words)


def _environment(proxy: Proxy | None) -> dict[str, str]:
    """What the controller's environment passes on: PATH, TMPDIR and, unless a proxy is set, its proxy variables."""
    names = ("PATH", "TMPDIR", *(() if proxy else _PROXY_VARIABLES))
    env = {key: os.environ[key] for key in names if key in os.environ}
    env.setdefault("PATH", os.defpath)
    return env


@contextmanager
def prepared_transport(
    url: str, credentials: Credentials | None = None, *, proxy: Proxy | None = None, connect_timeout: int = 30
) -> Iterator[Transport]:
    """A `Transport` for `url` (through `proxy` when set), its files removed on exit."""
    check_url(url)
    if proxy is not None and urlsplit(url).scheme == "ssh":
        where = public_url(url)
        raise GitError(f"unable to reach '{where}' through a proxy: proxySecretRef applies to http(s) URLs only")
    url, credentials = split_userinfo(url, credentials or Credentials())
    directory = Path(tempfile.mkdtemp(prefix="reflow-git-"))
    try:
        directory.chmod(0o700)
        home = directory / "home"
        home.mkdir(mode=0o700)
        env = _environment(proxy) | {
            "HOME": str(home),
            "LC_ALL": "C",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
        }
        config: list[tuple[str, str]] = [("credential.helper", ""), ("core.hooksPath", "/dev/null")]
        askpass = write_private(
            directory / "askpass",
            _ASKPASS.format(
                username=shlex.quote(str(write_private(directory / "username", credentials.username or ""))),
                password=shlex.quote(str(write_private(directory / "password", credentials.password or ""))),
            ),
            mode=0o700,
        )
        env |= {"GIT_ASKPASS": str(askpass), "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"}
        if credentials.bearer_token:
            config.append(("http.extraHeader", f"Authorization: Bearer {credentials.bearer_token}"))
        if credentials.username or credentials.password or credentials.bearer_token or credentials.client_key:
            config.append(("http.followRedirects", "false"))
        if proxy is not None:
            config.append(("http.proxy", proxy.url()))
        if credentials.ca_cert:
            config.append(("http.sslCAInfo", str(write_private(directory / "ca.crt", credentials.ca_cert))))
        if credentials.client_cert and credentials.client_key:
            config.append(("http.sslCert", str(write_private(directory / "tls.crt", credentials.client_cert))))
            config.append(("http.sslKey", str(write_private(directory / "tls.key", credentials.client_key))))
        env["GIT_SSH_COMMAND"] = _ssh_command(directory, credentials, connect_timeout)
        env["GIT_CONFIG_COUNT"] = str(len(config))
        for index, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        secrets = credentials.secrets() + (proxy.secrets() if proxy else ())
        yield Transport(env=env, secrets=secrets, url=url)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
