"""The proxy a GitRepository's `proxySecretRef` names: its address and optional credentials, read from the Secret.

It replaces any proxy the controller's environment sets, for every request of that source (no
`NO_PROXY` exception applies), as Flux's does. Git is given it through its configuration in the
environment, never on a command line; the GitHub App token request goes through it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from reflow.engines.git.errors import AuthenticationFailed, public_url

PROXY_SCHEMES = ("http", "https", "socks5")
MAX_ADDRESS = 2048
"""Longest `address` accepted, characters (as Flux)."""


@dataclass(frozen=True, slots=True, repr=False)
class Proxy:
    """An HTTP(S) or SOCKS5 proxy: `address` is `scheme://host:port` without credentials."""

    address: str
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return f"Proxy({self.address!r}{', with credentials' if self.username else ''})"

    @property
    def scheme(self) -> str:
        return urlsplit(self.address).scheme

    def url(self) -> str:
        """The address with the credentials in its user part, percent-encoded, for git's `http.proxy`.

        A username without a password gets an empty one, so git never asks for a proxy password (its
        prompt would reach the askpass script, which answers with the remote's password)."""
        if not self.username:
            return self.address
        parts = urlsplit(self.address)
        userinfo = f"{quote(self.username, safe='')}:{quote(self.password or '', safe='')}"
        return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))

    def secrets(self) -> tuple[str, ...]:
        """Values to mask in messages: the password, alone and percent-encoded."""
        if not self.password:
            return ()
        return tuple({self.password, quote(self.password, safe="")})


def _text(data: Mapping[str, bytes], key: str) -> str | None:
    value = data.get(key)
    return value.decode().strip("\n") if value is not None else None


def proxy_from_secret(data: Mapping[str, bytes], name: str) -> Proxy:
    """The proxy in the decoded Secret `name`, or `AuthenticationFailed` (Flux's reason) saying what is wrong.

    `address` is required. The keys `username` and `password` win over a user written in the address;
    without a `username` key, the address's own user and password are used.
    """
    address = (_text(data, "address") or "").strip()
    if not address:
        raise AuthenticationFailed(f"proxy secret '{name}': the key 'address' is missing or empty")
    if len(address) > MAX_ADDRESS:
        raise AuthenticationFailed(f"proxy secret '{name}': the address is longer than {MAX_ADDRESS} characters")
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 - reading the port validates it
    except ValueError as error:
        raise AuthenticationFailed(f"proxy secret '{name}': invalid address '{public_url(address)}': {error}") from None
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        schemes = ", ".join(f"{scheme}://" for scheme in PROXY_SCHEMES)
        raise AuthenticationFailed(
            f"proxy secret '{name}': the address '{public_url(address)}' must start with one of {schemes} "
            "and name a host"
        )
    username, password = _text(data, "username"), _text(data, "password")
    if username is None:
        username, password = unquote(parts.username or "") or None, unquote(parts.password or "") or None
    bare = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return Proxy(address=bare, username=username or None, password=password if username else None)
