"""Values printed as Go's `fmt` prints them: `%v`, `Sprint`, `Sprintln` and `Sprintf` with the common verbs.

Templates print Go values, so lists print as `[a b]`, maps as `map[k:v]` with sorted keys, structs as
`{a b}` (a dataclass's fields in order, or what a record's `go_fields()` gives), nil as `<nil>`, and floats in
Go's shortest `%g` form (`1e+06`). A record whose class defines `__str__` is a Go Stringer.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable


class _Missing:
    """A map entry that does not exist: printed `<no value>`, false in conditions."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING = _Missing()
_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


@runtime_checkable
class GoStruct(Protocol):
    """A record printed as a Go struct: its field values in declaration order."""

    def go_fields(self) -> tuple[object, ...]: ...


class Struct(tuple[object, ...]):
    """A nested Go struct value inside a record's `go_fields()` (e.g. an embedded struct)."""

    def go_fields(self) -> tuple[object, ...]:
        return tuple(self)


def go_string(value: object) -> str:
    """`fmt.Sprint(value)` for one value (`%v`)."""
    if value is MISSING:
        return "<no value>"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if type(value).__str__ is not object.__str__ and not isinstance(value, (Mapping, Sequence)):
        return str(value)
    if isinstance(value, GoStruct):
        return "{" + " ".join(go_string(part) for part in value.go_fields()) + "}"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{go_string(k)}:{go_string(value[k])}" for k in sort_keys(value)) + "]"
    if isinstance(value, Sequence):
        return "[" + " ".join(go_string(item) for item in value) + "]"
    if dataclasses.is_dataclass(value):
        return "{" + " ".join(go_string(getattr(value, f.name)) for f in dataclasses.fields(value)) + "}"
    return str(value)


def sort_keys(mapping: Mapping[object, object]) -> list[object]:
    """Map keys in the order Go's templates and `fmt` visit them (sorted by value)."""
    try:
        return sorted(mapping)  # type: ignore[type-var]
    except TypeError:
        return sorted(mapping, key=go_string)


def go_float(value: float, verb: str = "g", precision: int | None = None) -> str:
    """A float as Go's `strconv.FormatFloat` writes it for `%v`, `%g`, `%e` and `%f`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if verb in "fF":
        return f"{value:.{6 if precision is None else precision}f}"
    if verb in "eE":
        text = f"{value:.{6 if precision is None else precision}e}"
        return text.upper() if verb == "E" else text
    if precision is not None:
        return f"{value:.{precision}g}"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)) or "0"
    point = len(text) + exponent  # position of the decimal point in the digit string
    prefix = "-" if sign else ""
    if value == 0:
        return prefix + "0"
    if point - 1 < -4 or point - 1 >= 6:  # Go's shortest %g switches to an exponent at 1e+06
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        power = point - 1
        return f"{prefix}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def sprint(*values: object) -> str:
    """`fmt.Sprint`: operands joined, with a space between two operands when neither is a string."""
    out: list[str] = []
    for index, value in enumerate(values):
        if index and not isinstance(value, str) and not isinstance(values[index - 1], str):
            out.append(" ")
        out.append(go_string(value))
    return "".join(out)


def sprintln(*values: object) -> str:
    """`fmt.Sprintln`: operands joined by spaces, then a newline."""
    return " ".join(go_string(value) for value in values) + "\n"


def go_type(value: object) -> str:
    """The Go type name shown in `%!verb(type=value)` for a bad verb."""
    if value is None:
        return "<nil>"
    names = {bool: "bool", int: "int", float: "float64", str: "string"}
    if type(value) in names:
        return names[type(value)]
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, (list, tuple)):
        return "[]interface {}"
    return type(value).__name__


def sprintf(template: str, *values: object) -> str:
    """`fmt.Sprintf` for the verbs templates use: v s d q t x X o b c f F e E g G and `%%`."""
    out: list[str] = []
    position = 0
    index = 0
    for match in _VERB.finditer(template):
        out.append(template[position : match.start()])
        position = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if index >= len(values):
            out.append(f"%!{verb}(MISSING)")
            continue
        value = values[index]
        index += 1
        text = _format_one(verb, value, flags, None if precision is None else int(precision))
        out.append(_pad(text, flags, int(width) if width else 0, verb))
    out.append(template[position:])
    if index < len(values):
        extra = ", ".join(f"{go_type(v)}={go_string(v)}" for v in values[index:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _format_one(verb: str, value: object, flags: str, precision: int | None) -> str:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if verb == "v":
        return go_string(value)
    if (verb == "s" and not isinstance(value, (int, float, bool))) or (verb == "s" and value is None):
        text = go_string(value)
        return text[:precision] if precision is not None else text
    if verb == "q" and isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if verb == "q" and is_int:
        return "'" + chr(value) + "'"  # type: ignore[arg-type]
    if verb == "t" and isinstance(value, bool):
        return go_string(value)
    if verb in "dxXob" and is_int:
        number = int(value)  # type: ignore[call-overload]
        body = {"d": str(abs(number)), "x": f"{abs(number):x}", "X": f"{abs(number):X}"}.get(verb)
        body = body or {"o": f"{abs(number):o}", "b": f"{abs(number):b}"}[verb]
        sign = "-" if number < 0 else ("+" if "+" in flags else "")
        return sign + body
    if verb in "xX" and isinstance(value, str):
        hexed = value.encode().hex()
        return hexed.upper() if verb == "X" else hexed
    if verb == "c" and is_int:
        return chr(value)  # type: ignore[arg-type]
    if verb in "fFeEgG" and isinstance(value, float):
        text = go_float(value, verb.lower() if verb != "E" else "E", precision)
        return ("+" + text if "+" in flags and value >= 0 else text).upper() if verb == "G" else text
    return f"%!{verb}({go_type(value)}={go_string(value)})"


def _pad(text: str, flags: str, width: int, verb: str) -> str:
    if len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags and verb in "dxXobfFeEgG":
        sign = text[0] if text[:1] in "+-" else ""
        return sign + text[len(sign) :].rjust(width - len(sign), "0")
    return text.rjust(width)
