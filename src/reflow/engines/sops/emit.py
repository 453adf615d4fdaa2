"""Writing a decrypted tree in a store's plaintext format.

Formats follow sops's output closely — YAML with 4-space indentation, JSON indented with tabs and Go's
number formatting, dotenv `KEY=value` lines, INI `key = value` with keys aligned per section, binary as
the raw `data` value — though not byte for byte (comments are gone, YAML quoting may differ). Errors
name keys, never values.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

import yaml

from reflow.engines.sops import cipher
from reflow.engines.sops.errors import EmitFailed
from reflow.engines.sops.formats import Format


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes sops timestamps as plain timestamps."""


def _represent_time(dumper: yaml.SafeDumper, value: cipher.Time) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", str(value))


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.date) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", cipher.go_time(value))


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(cipher.Time, _represent_time)
_Dumper.add_representer(dt.datetime, _represent_datetime)
_Dumper.add_representer(dt.date, _represent_datetime)
_Dumper.add_representer(str, _represent_str)


def emit(branches: list[Any], format_: Format, file: str) -> bytes:
    """The plaintext bytes of a decrypted tree in `format_`; `EmitFailed` when the tree does not fit."""
    emitters: dict[Format, Callable[[list[Any], str], bytes]] = {
        Format.YAML: _emit_yaml,
        Format.JSON: _emit_json,
        Format.DOTENV: _emit_dotenv,
        Format.INI: _emit_ini,
        Format.BINARY: _emit_binary,
    }
    return emitters[format_](branches, file)


def _emit_yaml(branches: list[Any], file: str) -> bytes:
    try:
        docs = [
            yaml.dump(branch, Dumper=_Dumper, indent=4, sort_keys=False, allow_unicode=True, width=1 << 16)
            for branch in branches
        ]
    except yaml.YAMLError:
        raise EmitFailed(file, "the decrypted tree cannot be written as YAML") from None
    return "---\n".join(docs).encode("utf-8", "surrogateescape")


def _emit_json(branches: list[Any], file: str) -> bytes:
    if len(branches) != 1:
        raise EmitFailed(file, "a document with several YAML documents cannot be written as JSON")
    return (_json(branches[0], "", file) + "\n").encode("utf-8", "surrogateescape")


def _json(value: Any, indent: str, file: str) -> str:
    inner = indent + "\t"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(key, ensure_ascii=False)}: {_json(item, inner, file)}" for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _json(item, inner, file) for item in value) + "\n" + indent + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise EmitFailed(file, "a decrypted number is not finite and cannot be written as JSON")
        return cipher.go_float(value) if abs(value) < 1e21 else repr(value).replace("e", "e+").replace("+-", "-")
    if isinstance(value, dt.date):
        return json.dumps(cipher.go_time(value))
    if isinstance(value, bytes):
        return json.dumps(value.decode("utf-8", "surrogateescape"), ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def _scalar_text(value: Any, key: str, file: str, format_name: str) -> str:
    if isinstance(value, dict | list):
        raise EmitFailed(file, f"key '{key}' has a nested value, which {format_name} cannot hold")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return cipher.go_float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, dt.date):
        return cipher.go_time(value)
    return str(value)


def _emit_dotenv(branches: list[Any], file: str) -> bytes:
    lines = [f"{key}={_scalar_text(value, key, file, 'dotenv')}\n" for key, value in branches[0].items()]
    return "".join(lines).encode("utf-8", "surrogateescape")


def _emit_ini(branches: list[Any], file: str) -> bytes:
    blocks = []
    for section, entries in branches[0].items():
        if not isinstance(entries, dict):
            raise EmitFailed(file, f"INI section '{section}' is not a mapping of keys")
        if section == "DEFAULT" and not entries:
            continue
        width = max((len(key) for key in entries), default=0)
        lines = [] if section == "DEFAULT" else [f"[{section}]"]
        for key, value in entries.items():
            lines.append(f"{key.ljust(width)} = {_ini_quote(_scalar_text(value, key, file, 'INI'))}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks).encode("utf-8", "surrogateescape")


def _ini_quote(value: str) -> str:
    if "\n" in value or "`" in value:
        return f'"""{value}"""'
    if "#" in value or ";" in value:
        return f"`{value}`"
    if value != value.strip():
        return f'"{value}"'
    return value


def _emit_binary(branches: list[Any], file: str) -> bytes:
    branch = branches[0] if len(branches) == 1 else None
    if not isinstance(branch, dict) or "data" not in branch:
        raise EmitFailed(file, "no binary data found in tree: a binary output needs a single 'data' value")
    data = branch["data"]
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    raise EmitFailed(file, "the 'data' value is not text or bytes and cannot be written as binary")
