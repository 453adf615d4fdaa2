"""String operators, ported case for case from fluxcd/pkg envsubst funcs_test.go."""

from __future__ import annotations

import re

import pytest

from reflow.engines.envsubst.functions import (
    default,
    length,
    lower,
    lower_first,
    substring,
    upper,
    upper_first,
)
from reflow.engines.glob import glob_match


def test_length_counts_bytes() -> None:
    assert length("Hello World", ()) == "11"
    assert length("héllo", ()) == "6"


def test_lower() -> None:
    assert lower("Hello World", ()) == "hello world"


def test_lower_first() -> None:
    assert lower_first("HELLO WORLD", ()) == "hELLO WORLD"
    assert lower_first("", ()) == ""


def test_upper() -> None:
    assert upper("Hello World", ()) == "HELLO WORLD"


def test_upper_first() -> None:
    assert upper_first("hello world", ()) == "Hello world"
    assert upper_first("", ()) == ""


def test_case_changes_map_one_character_to_one() -> None:
    assert upper("straße", ()) == "STRAßE"


@pytest.mark.parametrize(
    ("value", "args", "expected"),
    [
        pytest.param("Hello World", ("Hola Mundo",), "Hello World", id="value-wins"),
        pytest.param("", ("Hola Mundo",), "Hola Mundo", id="empty-takes-default"),
        pytest.param(
            "",
            ("Hola Mundo", "-Bonjour le monde", "-Halló heimur"),
            "Hola Mundo-Bonjour le monde-Halló heimur",
            id="default-parts-concatenated",
        ),
    ],
)
def test_default(value: str, args: tuple[str, ...], expected: str) -> None:
    assert default(value, args) == expected


@pytest.mark.parametrize(
    ("value", "args", "expected"),
    [
        pytest.param("123456789123456789", ("0", "8"), "12345678", id="from-start"),
        pytest.param("123456789123456789", ("1", "8"), "23456789", id="from-offset"),
        pytest.param("123456789123456789", ("9",), "123456789", id="offset-only"),
        pytest.param("123456789123456789", ("9", "50"), "123456789", id="length-past-end"),
        pytest.param("123456789123456789", ("-3", "2"), "78", id="negative-offset"),
        pytest.param("123456789123456789", ("-300", "3"), "123", id="negative-offset-past-start"),
        pytest.param("12345678", ("9", "1"), "", id="offset-past-end"),
        pytest.param("hello world", ("2", "-1"), "llo worl", id="negative-length"),
        pytest.param("hello world", ("0", "-3"), "hello wo", id="negative-length-from-start"),
        pytest.param("hello world", ("8", "-8"), "", id="negative-length-before-offset"),
        pytest.param("hello world", ("-4", "-1"), "orl", id="both-negative"),
        pytest.param("hello", ("x",), "hello", id="unparsable-offset-keeps-value"),
    ],
)
def test_substring(value: str, args: tuple[str, ...], expected: str) -> None:
    assert substring(value, args) == expected


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        pytest.param("*/", "path/to/", True, id="star-crosses-slash"),
        pytest.param("?", "/", True, id="question-mark-matches-slash"),
        pytest.param("[a-c]x", "bx", True, id="class-range"),
        pytest.param("[^a-c]x", "dx", True, id="negated-class"),
        pytest.param(r"\*", "*", True, id="escaped-star"),
        pytest.param("a*", "b", False, id="literal-mismatch"),
    ],
)
def test_glob_match(pattern: str, text: str, matches: bool) -> None:
    assert glob_match(pattern, text) is matches


@pytest.mark.parametrize("pattern", ["[", "[]", "a\\", "[a-]"])
def test_malformed_glob_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match=re.escape(pattern)):
        glob_match(pattern, "a")
