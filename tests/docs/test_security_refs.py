"""The security model names tests that exist: every `tests/…py::test_name` in docs/security.md resolves,
and every threat of the STRIDE tables names at least one test."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "docs" / "security.md"
SPAN = re.compile(r"`([^`\n]+)`")
FULL = re.compile(r"^(tests/[\w/]+\.py)(?:::(\w+))?$")
SHORT = re.compile(r"^(\w+\.py)?::(\w+)$")


@cache
def functions_of(path: Path) -> frozenset[str]:
    """The test functions of a module, at top level or in classes."""
    tree = ast.parse(path.read_text())
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    )


def references(text: str) -> list[tuple[str, str | None]]:
    """(file, test or None) of every code span naming a test; `::name` and `file.py::name` spans mean the
    last full path mentioned (with that file name)."""
    found: list[tuple[str, str | None]] = []
    seen: list[str] = []
    for span in SPAN.findall(text):
        if full := FULL.match(span):
            seen.append(full[1])
            found.append((full[1], full[2]))
        elif (short := SHORT.match(span)) and seen:
            base = short[1]
            path = next((p for p in reversed(seen) if base is None or p.endswith(f"/{base}")), None)
            found.append((path or f"<no earlier path for {base}>", short[2]))
    return found


def missing(refs: list[tuple[str, str | None]]) -> list[str]:
    """The references that do not resolve to an existing file and test."""
    bad = []
    for file, name in refs:
        path = ROOT / file
        if not path.is_file():
            bad.append(f"{file}: no such file")
        elif name is not None and name not in functions_of(path):
            bad.append(f"{file}::{name}: no such test")
    return bad


def stride_rows(text: str) -> list[str]:
    """The table rows of the threat model section (those starting with a STRIDE letter in bold)."""
    section = text.split("## Threat model", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if re.match(r"\| \*\*[STRIDE]\*\*", line)]


def test_the_parser_resolves_full_and_short_references() -> None:
    text = "`tests/a/test_x.py::test_one`, `::test_two`, `tests/b/test_y.py`, `test_x.py::test_three`, `not::a ref`"
    assert references(text) == [
        ("tests/a/test_x.py", "test_one"),
        ("tests/a/test_x.py", "test_two"),
        ("tests/b/test_y.py", None),
        ("tests/a/test_x.py", "test_three"),
    ]


def test_a_renamed_test_is_reported() -> None:
    refs = [("tests/docs/test_security_refs.py", "test_that_was_renamed")]
    assert missing(refs) == ["tests/docs/test_security_refs.py::test_that_was_renamed: no such test"]


def test_every_test_named_in_the_security_model_exists() -> None:
    refs = references(SECURITY.read_text())
    assert len(refs) > 50
    assert missing(refs) == []


@pytest.mark.parametrize("letter", list("STRIDE"))
def test_the_threat_model_covers_each_stride_letter(letter: str) -> None:
    assert any(row.startswith(f"| **{letter}**") for row in stride_rows(SECURITY.read_text()))


def test_every_threat_names_a_test() -> None:
    rows = stride_rows(SECURITY.read_text())
    assert len(rows) > 30
    unproven = [row for row in rows if not any(FULL.match(span) for span in SPAN.findall(row.split("|")[-2]))]
    assert unproven == []
