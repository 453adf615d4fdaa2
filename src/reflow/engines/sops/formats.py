"""The five SOPS stores, how Flux recognises an encrypted document of each, and which format a file name implies."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """A SOPS store: the layout of the encrypted document and of its plaintext."""

    YAML = "yaml"
    JSON = "json"
    DOTENV = "dotenv"
    INI = "ini"
    BINARY = "binary"  # encrypted as a JSON document with one `data` value


# Bytes an encrypted document of each format contains (Flux's marker bytes). Binary documents are
# JSON at rest, so the JSON marker finds them too; checked in this order.
MARKERS: dict[Format, bytes] = {
    Format.YAML: b"mac: ENC[",
    Format.JSON: b'"mac": "ENC[',
    Format.DOTENV: b"sops_mac=ENC[",
    Format.INI: b"[sops]",
}


def detect(data: bytes) -> Format | None:
    """The format of an encrypted document by its marker bytes, or None when it is not one."""
    for format_, marker in MARKERS.items():
        if marker in data:
            return format_
    return None


def is_encrypted_as(data: bytes, format_: Format) -> bool:
    """Whether `data` carries the marker of an encrypted document in `format_`."""
    marker = MARKERS[Format.JSON if format_ is Format.BINARY else format_]
    return marker in data


def format_for_path(path: str) -> Format:
    """The format a file name implies, as sops and Flux decide it (`.dockerconfigjson` is JSON)."""
    if path.endswith(".dockerconfigjson"):
        return Format.JSON
    if path.endswith((".yaml", ".yml")):
        return Format.YAML
    if path.endswith(".json"):
        return Format.JSON
    if path.endswith(".env"):
        return Format.DOTENV
    if path.endswith(".ini"):
        return Format.INI
    return Format.BINARY
