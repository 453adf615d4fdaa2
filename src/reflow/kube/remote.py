"""A client for a remote cluster from a kubeconfig Secret: inline credentials only, never a file a tenant names.

Whoever may create Secrets in a namespace writes that kubeconfig. Read the way kubectl reads one, it
would make the controller open files on its own disk (its ServiceAccount token, its keys) and send
them to a server the tenant chose, or run a program. So, as Flux does, only the inline fields are
used: `server`, `certificate-authority-data`, `client-certificate-data` with `client-key-data`,
`token`, `username` with `password`. A file path, `tokenFile`, `exec` or `auth-provider` is refused
with the field's name (never its value); `insecure-skip-tls-verify: true` is refused unless the
controller runs with `--insecure-kubeconfig-tls`. `proxy-url`, impersonation (`as`, `as-groups`) and
`extensions` are ignored, as Flux ignores them.
"""

from __future__ import annotations

import base64
import binascii
import re
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from kubernetes.aio.client.configuration import Configuration

from reflow.api.meta import Manifest
from reflow.kube.client import Kube, open_client
from reflow.kube.errors import ConfigError
from reflow.kube.options import ConnectionOptions
from reflow.kube.privatefile import write_private
from reflow.kube.secret import secret_data

KUBECONFIG_KEYS = ("value", "value.yaml")
"""Keys tried, in order, when the Secret reference names no key (as Flux)."""

FILE_FIELDS = {
    "certificate-authority": "certificate-authority-data",
    "client-certificate": "client-certificate-data",
    "client-key": "client-key-data",
    "tokenFile": "token",
}
"""Fields naming a file on the controller's disk, and the inline field to use instead."""

PLUGIN_FIELDS = ("exec", "auth-provider")
"""Fields that run a program or a provider's login inside the controller."""

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_HARMLESS = re.compile(r"\\?.|<[a-z ]+>", re.DOTALL)


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteCluster:
    """What a kubeconfig from a Secret may set: the server, its CA, and inline credentials."""

    server: str
    """The API server's URL (https or http)."""
    ca_data: bytes | None = field(default=None, repr=False)
    """PEM CA bundle to trust; None: the system's."""
    cert_data: bytes | None = field(default=None, repr=False)
    """PEM client certificate, with `key_data`."""
    key_data: bytes | None = field(default=None, repr=False)
    """PEM private key of the client certificate."""
    authorization: str | None = field(default=None, repr=False)
    """The Authorization header: `Bearer <token>` or `Basic <username:password>`."""
    insecure: bool = False
    """Skip verifying the server's certificate (only with `--insecure-kubeconfig-tls`)."""


def yaml_problem(error: yaml.YAMLError) -> str:
    """Where a YAML document is broken and what is wrong, quoting none of it: the line may hold a token."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        problem = _unquoted(error.problem or "not valid YAML")
        context = f" ({_unquoted(error.context)})" if error.context else ""
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}{context}"
    if isinstance(error, yaml.reader.ReaderError):
        return f"byte {error.position}: not valid UTF-8 text"
    return "not valid YAML"


def _unquoted(text: str) -> str:
    """The parser's words with every quoted piece of the document replaced, except one character or a token name."""

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if _HARMLESS.fullmatch(match.group(0)[1:-1]) else "'…'"

    return _QUOTED.sub(replace, text)


def kubeconfig_from_secret(secret: Manifest, key: str | None) -> tuple[str, Mapping[str, Any]]:
    """The key read and the kubeconfig in it (`value`, then `value.yaml`, when no key is named)."""
    data = secret_data(secret)
    for candidate in (key,) if key else KUBECONFIG_KEYS:
        if candidate in data:
            try:
                loaded = yaml.safe_load(data[candidate])
            except yaml.YAMLError as error:
                raise ConfigError(f"key '{candidate}' is not valid YAML: {yaml_problem(error)}") from None
            except (ValueError, RecursionError):
                raise ConfigError(f"key '{candidate}' is not valid YAML") from None
            if not isinstance(loaded, Mapping):
                raise ConfigError(f"key '{candidate}' does not hold a kubeconfig")
            return candidate, loaded
    wanted = key or " or ".join(KUBECONFIG_KEYS)
    raise ConfigError(f"no key '{wanted}' with a kubeconfig")


def remote_cluster(kubeconfig: Mapping[str, Any], *, insecure_tls: bool = False) -> RemoteCluster:
    """The current context's server and credentials, from inline data only; raises ConfigError naming the field."""
    name = kubeconfig.get("current-context")
    if not name:
        raise ConfigError("current-context is not set")
    _, context = _named(kubeconfig, "contexts", name, "context")
    cluster_path, cluster = _named(kubeconfig, "clusters", context.get("cluster"), "cluster")
    user_path: str = "users[]"
    user: Mapping[str, Any] = {}
    if context.get("user"):
        user_path, user = _named(kubeconfig, "users", context["user"], "user")
    for section_path, section in ((cluster_path, cluster), (user_path, user)):
        for file_field, inline in FILE_FIELDS.items():
            if section.get(file_field) not in (None, ""):
                raise ConfigError(
                    f"{section_path}.{file_field} names a file on the controller's disk, which a kubeconfig "
                    f"from a Secret may not do; put the data inline in '{inline}'"
                )
    for plugin in PLUGIN_FIELDS:
        if user.get(plugin) not in (None, {}):
            raise ConfigError(
                f"{user_path}.{plugin} would run a login program in the controller, which a kubeconfig from a "
                "Secret may not do; put a token or a client certificate inline"
            )
    insecure = cluster.get("insecure-skip-tls-verify") is True
    if insecure and not insecure_tls:
        raise ConfigError(
            f"{cluster_path}.insecure-skip-tls-verify is refused: the controller runs without "
            "--insecure-kubeconfig-tls; give the server's CA in 'certificate-authority-data'"
        )
    if cluster.get("tls-server-name"):
        raise ConfigError(f"{cluster_path}.tls-server-name is not supported by reflow yet")
    cert = _data(user, "client-certificate-data", user_path)
    key = _data(user, "client-key-data", user_path)
    if (cert is None) != (key is None):
        raise ConfigError(f"{user_path}: client-certificate-data and client-key-data go together")
    return RemoteCluster(
        server=server_url(cluster.get("server"), f"{cluster_path}.server"),
        ca_data=_data(cluster, "certificate-authority-data", cluster_path),
        cert_data=cert,
        key_data=key,
        authorization=_authorization(user, user_path),
        insecure=insecure,
    )


def _named(kubeconfig: Mapping[str, Any], section: str, name: object, inner: str) -> tuple[str, Mapping[str, Any]]:
    """The `inner` mapping of the `section` entry called `name`, with its path (`users[0].user`)."""
    entries = kubeconfig.get(section) or []
    if not isinstance(entries, list):
        raise ConfigError(f"{section} is not a list")
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping) and entry.get("name") == name:
            body = entry.get(inner) or {}
            if not isinstance(body, Mapping):
                raise ConfigError(f"{section}[{index}].{inner} is not a mapping")
            return f"{section}[{index}].{inner}", body
    raise ConfigError(f"{section} has no entry named by the current context")


def _text(section: Mapping[str, Any], name: str, path: str) -> str | None:
    value = section.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.isprintable():
        raise ConfigError(f"{path}.{name} must be a single line of text")
    return value


def _data(section: Mapping[str, Any], name: str, path: str) -> bytes | None:
    value = _text(section, name, path)
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ConfigError(f"{path}.{name} is not valid base64") from error


def server_url(value: object, path: str) -> str:
    """An API server URL without a trailing slash; ConfigError naming `path` for anything else."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path} is not set")
    try:
        parts = urlsplit(value)
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise ConfigError(f"{path} is not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigError(f"{path} must be an https:// (or http://) URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{path} may not hold a user or password; use 'token' or 'username'/'password'")
    return value.rstrip("/")


def _authorization(user: Mapping[str, Any], path: str) -> str | None:
    token = _text(user, "token", path)
    username = _text(user, "username", path)
    password = _text(user, "password", path)
    if token and (username or password):
        raise ConfigError(f"{path}: set either 'token' or 'username'/'password', not both")
    if token:
        return f"Bearer {token}"
    if username or password:
        pair = f"{username or ''}:{password or ''}".encode()
        return f"Basic {base64.b64encode(pair).decode()}"
    return None


def ssl_context(cluster: RemoteCluster) -> ssl.SSLContext:
    """The TLS settings for the remote server, built from memory (the client key touches disk only 0600, briefly)."""
    try:
        cadata = cluster.ca_data.decode("ascii") if cluster.ca_data else None
        context = ssl.create_default_context(cadata=cadata)
    except (ssl.SSLError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError("certificate-authority-data holds no usable PEM certificate") from error
    if cluster.cert_data and cluster.key_data:
        with tempfile.TemporaryDirectory(prefix="reflow-remote-") as folder:
            cert, key = Path(folder) / "client.crt", Path(folder) / "client.key"
            write_private(cert, cluster.cert_data)
            write_private(key, cluster.key_data)
            try:
                context.load_cert_chain(cert, key, password=b"")
            except (ssl.SSLError, ValueError) as error:
                raise ConfigError(
                    "client-certificate-data and client-key-data are not a matching PEM certificate and unencrypted key"
                ) from error
    if cluster.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def open_remote(
    secret: Manifest, key: str | None, options: ConnectionOptions, *, insecure_tls: bool = False
) -> Kube:
    """A client for the cluster in a kubeconfig Secret; the caller must `close()` it. Raises ConfigError."""
    used, kubeconfig = kubeconfig_from_secret(secret, key)
    try:
        cluster = remote_cluster(kubeconfig, insecure_tls=insecure_tls)
        context = ssl_context(cluster)
    except ConfigError as error:
        raise ConfigError(f"key '{used}': {error}") from error
    return await open_cluster(cluster, context, options)


async def open_cluster(
    cluster: RemoteCluster,
    context: ssl.SSLContext,
    options: ConnectionOptions,
    *,
    bearer: Callable[[], Awaitable[str]] | None = None,
) -> Kube:
    """A client for `cluster`; `bearer` gives the token anew before each request (it may renew it)."""
    configuration = Configuration(host=cluster.server)
    if cluster.authorization:
        configuration.api_key = {"authorization": cluster.authorization}
    if bearer is not None:

        async def refresh(settings: Configuration) -> None:
            settings.api_key = {"authorization": f"Bearer {await bearer()}"}

        configuration.refresh_api_key_hook = refresh
    return await open_client(options, configuration, ssl_context=context, remote=cluster)
