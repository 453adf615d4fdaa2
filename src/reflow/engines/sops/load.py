"""Reading encrypted SOPS documents of each store into a tree and its raw `sops` metadata.

YAML is read with YAML 1.2 scalars as Go's yaml.v3 resolves them (only `true`/`false` are booleans,
`0x`/`0o`/leading-zero integers, timestamps), so unencrypted values hash to the same MAC bytes as in
sops. JSON numbers are floats, as Go decodes them. Dotenv and INI keep every value as text; their
metadata is flattened (`age__list_0__map_enc`) with newlines escaped as `\\n`. YAML aliases are refused
before anything is built: sops never writes them, and a few hundred bytes of nested aliases would
otherwise expand into billions of values before the MAC could show the file is not genuine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from reflow.engines.sops.errors import InvalidDocument
from reflow.engines.sops.formats import Format

METADATA_KEY = "sops"
DOTENV_PREFIX = "sops_"
_MAP = "__map_"
_LIST = "__list_"
_TOKEN = re.compile(r"(__map_|__list_)")


@dataclass(frozen=True, slots=True)
class Document:
    """An encrypted document: its branches (one per YAML document) and its raw metadata."""

    branches: list[Any]
    metadata: Any


class _Loader(yaml.CSafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core scalar rules yaml.v3 applies."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (
        "timestamp",
        r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$",
        "0123456789",
    ),
    ("merge", r"^<<$", "<"),
):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text.startswith("0o"):
        return sign * int(text[2:], 8)
    if len(text) > 1 and text.startswith("0"):
        return sign * int(text, 8)
    return sign * int(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load(data: bytes, format_: Format, file: str) -> Document:
    """The tree and raw metadata of an encrypted document; `InvalidDocument` when it is not one."""
    loaders: dict[Format, Callable[[bytes, str], Document]] = {
        Format.YAML: _load_yaml,
        Format.JSON: _load_json,
        Format.BINARY: _load_json,
        Format.DOTENV: _load_dotenv,
        Format.INI: _load_ini,
    }
    return loaders[format_](data, file)


def _load_yaml(data: bytes, file: str) -> Document:
    try:
        _refuse_aliases(data, file)
        documents = [doc for doc in yaml.load_all(data, Loader=_Loader) if doc is not None]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InvalidDocument(file, f"not valid YAML{where}") from None
    except ValueError:  # a number of over 4300 digits, a timestamp out of range
        raise InvalidDocument(file, "not valid YAML: a number or timestamp cannot be read") from None
    metadata = None
    branches = []
    for doc in documents:
        if not isinstance(doc, dict):
            raise InvalidDocument(file, "a SOPS YAML document must be a mapping at the top level")
        if metadata is None and METADATA_KEY in doc:
            metadata = doc[METADATA_KEY]
        branches.append({key: value for key, value in doc.items() if key != METADATA_KEY})
    if metadata is None:
        raise InvalidDocument(file, "sops metadata not found")
    return Document(branches, metadata)


def _refuse_aliases(data: bytes, file: str) -> None:
    """Refuse `*alias` nodes: sops never writes them, and each level of aliases can multiply the tree tenfold."""
    if b"*" not in data:
        return
    for event in yaml.parse(data, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            where = f" (line {event.start_mark.line + 1})" if event.start_mark is not None else ""
            raise InvalidDocument(
                file, f"YAML aliases are not allowed in a SOPS document{where}: sops never writes them"
            )


def _load_json(data: bytes, file: str) -> Document:
    try:
        doc = json.loads(data, parse_int=float)
    except (ValueError, UnicodeDecodeError):
        raise InvalidDocument(file, "not valid JSON") from None
    if not isinstance(doc, dict):
        raise InvalidDocument(file, "a SOPS JSON document must be an object at the top level")
    if METADATA_KEY not in doc:
        raise InvalidDocument(file, "sops metadata not found")
    metadata = _json_ints(doc.pop(METADATA_KEY))
    return Document([doc], metadata)


def _json_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ints(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _load_dotenv(data: bytes, file: str) -> Document:
    text = data.decode("utf-8", "surrogateescape")
    branch: dict[str, Any] = {}
    flat: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise InvalidDocument(file, f"line {number} is not KEY=VALUE")
        if key.startswith(DOTENV_PREFIX):
            flat[key[len(DOTENV_PREFIX) :]] = value.replace("\\n", "\n")
        else:
            branch[key] = value
    if not flat:
        raise InvalidDocument(file, "sops metadata not found")
    return Document([branch], unflatten(flat))


def _load_ini(data: bytes, file: str) -> Document:
    text = data.decode("utf-8", "surrogateescape")
    sections: dict[str, dict[str, Any]] = {"DEFAULT": {}}
    current = sections["DEFAULT"]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise InvalidDocument(file, f"line {number}: unclosed section header")
            current = sections.setdefault(line[1:-1].strip(), {})
            continue
        match = re.match(r"([^=:]+?)\s*[=:]\s*(.*)$", line)
        if match is None:
            raise InvalidDocument(file, f"line {number} is not key = value")
        current[match.group(1)] = _ini_value(match.group(2))
    metadata = sections.pop(METADATA_KEY, None)
    if metadata is None:
        raise InvalidDocument(file, "sops metadata not found")
    flat = {key: str(value).replace("\\n", "\n") for key, value in metadata.items()}
    return Document([sections], unflatten(flat))


def _ini_value(value: str) -> str:
    for quote in ('"""', '"', "`"):
        if len(value) >= 2 * len(quote) and value.startswith(quote) and value.endswith(quote):
            return value[len(quote) : -len(quote)]
    cut = re.search(r"\s[#;]", value)
    return value[: cut.start()].rstrip() if cut else value


def unflatten(flat: dict[str, str]) -> dict[str, Any]:
    """Rebuild nested metadata from sops's flat keys (`key_groups__list_0__map_age__list_0__map_enc`)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        parts = _TOKEN.split(path)
        tokens: list[str | int] = [parts[0]]
        for marker, name in zip(parts[1::2], parts[2::2], strict=True):
            tokens.append(int(name) if marker == _LIST else name)
        node: Any = root
        for token, following in zip(tokens, [*tokens[1:], None], strict=True):
            if following is None:
                _set(node, token, value)
                break
            child = _get(node, token)
            if child is None:
                child = [] if isinstance(following, int) else {}
                _set(node, token, child)
            node = child
    return root


def _get(node: Any, token: str | int) -> Any:
    if isinstance(node, list):
        assert isinstance(token, int)
        return node[token] if token < len(node) else None
    return node.get(token)


def _set(node: Any, token: str | int, value: Any) -> None:
    if isinstance(node, list):
        assert isinstance(token, int)
        node.extend([None] * (token + 1 - len(node)))
        node[token] = value
    else:
        node[token] = value
