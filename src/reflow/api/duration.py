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
