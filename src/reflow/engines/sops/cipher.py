"""SOPS values: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` strings, their typed plaintext and the MAC's bytes.

A value is AES-256-GCM with the data key, a nonce of any length (sops writes 32 bytes), and its tree
path joined as `a:b:c:` as additional data, so moving a value to another key fails authentication.
The `type` says how the plaintext text is read back. The MAC hashes every value in sops's canonical
text form, which follows Go's formatting (`strconv.FormatFloat(v, 'f', -1, 64)`, `True`/`False`,
RFC 3339 with nanoseconds for timestamps).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENCRYPTED = re.compile(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")
_TAG_SIZE = 16
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class CipherError(ValueError):
    """A value could not be decrypted; the message holds the reason only, never the value."""


class Time(str):
    """A timestamp value (`type:time`), kept as its RFC 3339 text and written back as a YAML timestamp."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Comment:
    """A decrypted comment (`type:comment`); comments are not part of the MAC and are not emitted."""

    text: str


Plain = str | int | float | bool | bytes | Comment


@dataclass(frozen=True, slots=True, kw_only=True)
class EncryptedValue:
    """The parts of one `ENC[…]` value."""

    data: bytes
    iv: bytes
    tag: bytes
    type: str


def is_encrypted(value: object) -> bool:
    """Whether `value` has the shape of a SOPS-encrypted value."""
    return isinstance(value, str) and ENCRYPTED.match(value) is not None


def parse(text: str) -> EncryptedValue:
    """The parts of an `ENC[…]` string; `CipherError` when it is not one."""
    match = ENCRYPTED.match(text)
    if match is None:
        raise CipherError("not an encrypted value (expected ENC[AES256_GCM,…])")
    parts: list[bytes] = []
    for name, group in zip(("data", "iv", "tag"), match.groups()[:3], strict=True):
        try:
            parts.append(base64.b64decode(group, validate=True))
        except (binascii.Error, ValueError):
            raise CipherError(f"the {name} field is not valid base64") from None
    return EncryptedValue(data=parts[0], iv=parts[1], tag=parts[2], type=match.group(4))


def decrypt_value(text: str, key: bytes, additional_data: str) -> Plain:
    """The typed plaintext of one value; an empty string stays empty, as sops never encrypts it."""
    if text == "":
        return ""
    value = parse(text)
    if not value.iv:
        raise CipherError("the value has an empty iv")
    if len(value.tag) != _TAG_SIZE:
        raise CipherError("the value's tag is not 16 bytes")
    try:
        plain = AESGCM(key).decrypt(value.iv, value.data + value.tag, additional_data.encode())
    except InvalidTag:
        raise CipherError(
            "authentication failed — the value or its path was changed, or the data key is wrong"
        ) from None
    except ValueError:
        raise CipherError("the data key is not a 256-bit AES key") from None
    return typed(plain, value.type)


def typed(plain: bytes, kind: str) -> Plain:
    """Read decrypted bytes as the declared `type`; failures never quote the plaintext."""
    text = plain.decode("utf-8", "surrogateescape")
    try:
        if kind == "str":
            return text
        if kind == "int":
            return int(text, 10)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text in _GO_TRUE:
                return True
            if text in _GO_FALSE:
                return False
            raise ValueError
        if kind == "bytes":
            return plain
        if kind == "time":
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return Time(text)
        if kind == "comment":
            return Comment(text)
    except ValueError:
        raise CipherError(f"the decrypted value is not a valid {kind}") from None
    raise CipherError(f"unknown value type '{kind}'")


def go_float(value: float) -> str:
    """`strconv.FormatFloat(value, 'f', -1, 64)`: the shortest exact digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def go_time(value: dt.datetime | dt.date) -> str:
    """A timestamp as Go's `time.RFC3339Nano` writes it (a date is midnight UTC)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    offset = value.utcoffset() or dt.timedelta(0)
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{rest:02d}"


def mac_bytes(value: object) -> bytes:
    """The bytes sops feeds to the MAC for one value (its `ToBytes`)."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        return go_float(value).encode()
    if isinstance(value, bytes):
        return value
    if isinstance(value, dt.date):
        return go_time(value).encode()
    raise TypeError(f"a {type(value).__name__} value cannot be part of a SOPS tree")
