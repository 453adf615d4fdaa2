"""The credentials a GitRepository's `secretRef` holds, read once from the Secret's data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Credentials:
    """What git may present to the remote; any field may be absent. `repr` never shows a value.

    `password` is the HTTP basic-auth password, or the passphrase of `identity` for ssh remotes.
    """

    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    ca_cert: bytes | None = None  # PEM bundle trusted for https, instead of the system store
    client_cert: bytes | None = None  # PEM certificate for mutual TLS, with `client_key`
    client_key: bytes | None = None
    identity: bytes | None = None  # ssh private key (OpenSSH or PEM)
    known_hosts: bytes | None = None  # ssh known_hosts lines; the only host keys trusted

    def __repr__(self) -> str:
        present = [field.name for field in fields(self) if getattr(self, field.name) is not None]
        return f"Credentials(<{', '.join(present) or 'none'}>)"

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in a message or log line."""
        values = (self.password, self.bearer_token, self.client_key, self.identity)
        return tuple(value.decode(errors="replace") if isinstance(value, bytes) else value for value in values if value)


def _text(data: Mapping[str, bytes], key: str) -> str | None:
    value = data.get(key)
    return value.decode().strip("\n") if value else None


def credentials_from_secret(data: Mapping[str, bytes]) -> Credentials:
    """Read the keys Flux reads: `username`, `password`, `bearerToken`, `ca.crt` (or legacy `caFile`),
    `tls.crt` + `tls.key`, `identity`, `known_hosts`. `data` holds the decoded Secret values."""
    return Credentials(
        username=_text(data, "username"),
        password=_text(data, "password"),
        bearer_token=_text(data, "bearerToken"),
        ca_cert=data.get("ca.crt") or data.get("caFile") or None,
        client_cert=data.get("tls.crt") or None,
        client_key=data.get("tls.key") or None,
        identity=data.get("identity") or None,
        known_hosts=data.get("known_hosts") or None,
    )
