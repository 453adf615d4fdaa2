"""The functions templates may call: Go's builtins and the deterministic Sprig functions users reach for.

Sprig takes the piped value as its last argument (`{{ .Name | trunc 5 }}` is `trunc 5 .Name`). Only
hermetic functions are here, as in Flux's `sprig.HermeticTxtFuncMap`: nothing that reads the clock, the
environment or randomness, so a message renders the same wherever and whenever it runs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import urllib.parse
from collections.abc import Callable, Mapping, Sequence

from reflow.engines.gotemplate.gofmt import MISSING, go_string, sprint, sprintf, sprintln


class FunctionError(ValueError):
    """A function was called with arguments it cannot use; the message says which."""


def truth(value: object) -> bool:
    """Go template truth: false, 0, nil, and empty strings, lists and maps are false."""
    if value is None or value is MISSING:
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value)
    if isinstance(value, (str, Mapping, Sequence)):
        return len(value) > 0
    return True


def _length(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, (Mapping, Sequence)):
        return len(value)
    raise FunctionError(f"len of type {type(value).__name__}")


def _index(value: object, *keys: object) -> object:
    for key in keys:
        if isinstance(value, Mapping):
            strings = all(isinstance(item, str) for item in value.values())
            value = value.get(key, "" if strings and value else None)
        elif isinstance(value, (Sequence, str)) and isinstance(key, int) and not isinstance(key, bool):
            if not 0 <= key < len(value):
                raise FunctionError(f"index out of range: {key}")
            value = value[key]
        else:
            raise FunctionError(f"can't index item of type {type(value).__name__}")
    return value


def _comparable(left: object, right: object) -> tuple[object, object]:
    """Go compares only values of one basic kind: an int with a float is an error, as is a string with an int."""
    if type(left) is not type(right) and not (left is None or right is None):
        raise FunctionError("incompatible types for comparison")
    return left, right


def _eq(first: object, *others: object) -> bool:
    if not others:
        raise FunctionError("missing argument for comparison")
    return any(_comparable(first, other)[0] == other for other in others)


def _ordered(check: Callable[[float | str, float | str], bool]) -> Callable[[object, object], bool]:
    def compare(left: object, right: object) -> bool:
        left, right = _comparable(left, right)
        if not isinstance(left, (int, float, str)) or not isinstance(right, (int, float, str)):
            raise FunctionError("invalid type for comparison")
        return check(left, right)

    return compare


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value)) if value.strip() else 0
        except ValueError:
            return 0
    return 0


def _trunc(count: object, text: str) -> str:
    size = _to_int(count)
    if size < 0 and len(text) + size > 0:
        return text[len(text) + size :]
    if size >= 0 and len(text) > size:
        return text[:size]
    return text


def _substr(start: object, end: object, text: str) -> str:
    begin, stop = _to_int(start), _to_int(end)
    if begin < 0:
        return text[:stop]
    if stop < 0 or stop > len(text):
        return text[begin:]
    return text[begin:stop]


def _title(text: str) -> str:
    out, previous = [], " "
    for char in text:
        out.append(char.upper() if not (previous.isalnum() or previous == "_") else char)
        previous = char
    return "".join(out)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [go_string(item) for item in value if item is not None]
    return [go_string(value)]


def _default(fallback: object, *given: object) -> object:
    return given[0] if given and truth(given[0]) else fallback


def _indent(spaces: object, text: str) -> str:
    pad = " " * _to_int(spaces)
    return pad + text.replace("\n", "\n" + pad)


def _dict(*pairs: object) -> dict[str, object]:
    items = list(pairs) + ([""] if len(pairs) % 2 else [])
    return {go_string(items[i]): items[i + 1] for i in range(0, len(items), 2)}


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), default=go_string, ensure_ascii=False)


def _div(left: object, right: object) -> int:
    divisor = _to_int(right)
    if divisor == 0:
        raise FunctionError("integer divide by zero")
    quotient = abs(_to_int(left)) // abs(divisor)
    return quotient if (_to_int(left) < 0) == (divisor < 0) else -quotient


def _sum(digest: Callable[[bytes], hashlib._Hash]) -> Callable[[str], str]:
    return lambda text: digest(go_string(text).encode()).hexdigest()


BUILTINS: dict[str, Callable[..., object]] = {
    "not": lambda value: not truth(value),
    "len": _length,
    "index": _index,
    "slice": lambda value, *bounds: value[slice(*(_to_int(b) for b in bounds))],
    "eq": _eq,
    "ne": lambda left, right: not _eq(left, right),
    "lt": _ordered(lambda a, b: a < b),  # type: ignore[operator]
    "le": _ordered(lambda a, b: a <= b),  # type: ignore[operator]
    "gt": _ordered(lambda a, b: a > b),  # type: ignore[operator]
    "ge": _ordered(lambda a, b: a >= b),  # type: ignore[operator]
    "print": sprint,
    "printf": lambda template, *values: sprintf(go_string(template), *values),
    "println": sprintln,
    "html": lambda *values: html.escape(sprint(*values)),
    "urlquery": lambda *values: urllib.parse.quote_plus(sprint(*values)),
    "js": lambda *values: json.dumps(sprint(*values))[1:-1],
}

SPRIG: dict[str, Callable[..., object]] = {
    "lower": lambda text: go_string(text).lower(),
    "upper": lambda text: go_string(text).upper(),
    "title": lambda text: _title(go_string(text)),
    "trim": lambda text: go_string(text).strip(" \t\n\r\v\f"),
    "trimAll": lambda cutset, text: go_string(text).strip(go_string(cutset)),
    "trimPrefix": lambda prefix, text: go_string(text).removeprefix(go_string(prefix)),
    "trimSuffix": lambda suffix, text: go_string(text).removesuffix(go_string(suffix)),
    "replace": lambda old, new, text: go_string(text).replace(go_string(old), go_string(new)),
    "contains": lambda part, text: go_string(part) in go_string(text),
    "hasPrefix": lambda prefix, text: go_string(text).startswith(go_string(prefix)),
    "hasSuffix": lambda suffix, text: go_string(text).endswith(go_string(suffix)),
    "repeat": lambda count, text: go_string(text) * max(_to_int(count), 0),
    "substr": lambda start, end, text: _substr(start, end, go_string(text)),
    "trunc": lambda count, text: _trunc(count, go_string(text)),
    "nospace": lambda text: "".join(go_string(text).split()),
    "quote": lambda *values: " ".join(json.dumps(go_string(v), ensure_ascii=False) for v in values if v is not None),
    "squote": lambda *values: " ".join(f"'{go_string(v)}'" for v in values if v is not None),
    "cat": lambda *values: " ".join(go_string(v) for v in values if v is not None),
    "indent": lambda spaces, text: _indent(spaces, go_string(text)),
    "nindent": lambda spaces, text: "\n" + _indent(spaces, go_string(text)),
    "toString": go_string,
    "join": lambda separator, values: go_string(separator).join(_strings(values)),
    "splitList": lambda separator, text: go_string(text).split(go_string(separator)),
    "default": _default,
    "empty": lambda value: not truth(value),
    "coalesce": lambda *values: next((v for v in values if truth(v)), None),
    "ternary": lambda yes, no, condition: yes if truth(condition) else no,
    "list": lambda *values: list(values),
    "dict": _dict,
    "first": lambda values: values[0] if values else None,
    "last": lambda values: values[-1] if values else None,
    "sha256sum": _sum(hashlib.sha256),
    "sha1sum": _sum(hashlib.sha1),
    "b64enc": lambda text: base64.b64encode(go_string(text).encode()).decode(),
    "b64dec": lambda text: base64.b64decode(go_string(text)).decode("utf-8", "replace"),
    "toJson": _json,
    "add": lambda *values: sum(_to_int(v) for v in values),
    "add1": lambda value: _to_int(value) + 1,
    "sub": lambda left, right: _to_int(left) - _to_int(right),
    "mul": lambda *values: _product(values),
    "div": _div,
    "max": lambda *values: max(_to_int(v) for v in values),
    "min": lambda *values: min(_to_int(v) for v in values),
    "int": _to_int,
    "atoi": _to_int,
}


def _product(values: Sequence[object]) -> int:
    result = 1
    for value in values:
        result *= _to_int(value)
    return result


FUNCTIONS: dict[str, Callable[..., object]] = {**BUILTINS, **SPRIG}
