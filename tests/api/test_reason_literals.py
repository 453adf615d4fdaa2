"""Condition reasons are Flux's vocabulary and live in `api/conditions.py`; nothing outside `api/` spells one out."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "reflow"


def literal_reasons(source: str) -> list[tuple[int, str]]:
    """(line, text) of each `reason=` argument or `reason =` assignment whose value is a non-empty string literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            values = [keyword.value for keyword in node.keywords if keyword.arg == "reason"]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = any(isinstance(target, ast.Name) and target.id == "reason" for target in targets)
            values = [node.value] if named and node.value is not None else []
        else:
            continue
        found += [
            (value.lineno, value.value)
            for value in values
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value
        ]
    return found


def test_the_scan_finds_keyword_and_class_attribute_literals() -> None:
    source = 'raise E("m", reason="Nope")\nclass X:\n    reason: str = "Also"\n    reason = OK\n'
    assert literal_reasons(source) == [(1, "Nope"), (3, "Also")]


def test_no_module_outside_api_spells_a_reason() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {text}"
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).parts[0] != "api"
        for line, text in literal_reasons(path.read_text())
    ]
    assert offenders == []
