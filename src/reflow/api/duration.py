"""Go duration strings (`1m30s`, `500ms`, `2h`) as Flux writes them, converted to and from seconds."""

from __future__ import annotations

import re

DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
# Flux's timeouts for network calls leave out hours: `^([0-9]+(\.[0-9]+)?(ms|s|m))+$`.
TIMEOUT_PATTERN = r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$"
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds in a Go duration such as `1m30s`; raises ValueError naming the text when it is not one."""
    if not re.fullmatch(DURATION_PATTERN, text or ""):
        raise ValueError(f"invalid duration {text!r}: expected a number and unit (ms, s, m, h), e.g. 1m30s")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(text))


def format_duration(seconds: float) -> str:
    """A Go-style duration for whole or fractional seconds: 90 → `1m30s`, 0.5 → `500ms`."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def go_duration_string(seconds: float) -> str:
    """What Go's `time.Duration.String` prints, to the nanosecond: `1.5s`, `10m0s`, `1h0m0s`, `250ms`, `1.2µs`."""
    nanos = round(seconds * 1e9)
    sign, nanos = ("-" if nanos < 0 else ""), abs(nanos)
    if nanos == 0:
        return "0s"
    if nanos < 1_000:
        return f"{sign}{nanos}ns"
    if nanos < 1_000_000:
        return f"{sign}{_decimal(nanos, 1_000)}µs"
    if nanos < 1_000_000_000:
        return f"{sign}{_decimal(nanos, 1_000_000)}ms"
    hours, rest = divmod(nanos, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    secs = f"{_decimal(rest, 1_000_000_000)}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}"
    return f"{sign}{minutes}m{secs}" if minutes else f"{sign}{secs}"


def _decimal(value: int, unit: int) -> str:
    """`value / unit` written with as many decimals as it needs (none when whole)."""
    whole, fraction = divmod(value, unit)
    decimals = str(fraction).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{decimals}" if decimals else str(whole)
