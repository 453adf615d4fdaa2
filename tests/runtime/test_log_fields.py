"""No log call in reflow passes an `extra` key that `logging` reserves: such a call raises KeyError at run time."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "reflow"
RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def reserved_extra_keys(source: str) -> list[tuple[int, str]]:
    """(line, key) for each literal `extra={...}` key of a call that `logging` would refuse."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                for key in keyword.value.keys:
                    if isinstance(key, ast.Constant) and key.value in RESERVED:
                        found.append((node.lineno, str(key.value)))
    return found


def test_the_scan_finds_a_reserved_key() -> None:
    assert reserved_extra_keys('log.info("x", extra={"name": "a", "object": "b"})') == [(1, "name")]


def test_no_log_call_uses_a_reserved_extra_key() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {key}"
        for path in sorted(SRC.rglob("*.py"))
        for line, key in reserved_extra_keys(path.read_text())
    ]
    assert offenders == []
