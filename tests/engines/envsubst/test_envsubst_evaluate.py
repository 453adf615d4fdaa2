"""Expansion results, lenient and strict, ported case for case from fluxcd/pkg envsubst eval_test.go."""

from __future__ import annotations

import pytest

from reflow.engines.envsubst import VariableNotSet, evaluate, substitute


def _params(rows: list[tuple[object, ...]]) -> list[object]:
    return [pytest.param(*row, id=repr(row[1])) for row in rows]


EXPAND = [
    ({}, "abcdEFGH28ij", "abcdEFGH28ij"),
    ({"var01": "abcdEFGH28ij"}, "${#var01}", "12"),
    ({"var01": "abcdEFGH28ij"}, "${var01^}", "AbcdEFGH28ij"),
    ({"var01": "abcdEFGH28ij"}, "${var01^^}", "ABCDEFGH28IJ"),
    ({"var01": "ABCDEFGH28IJ"}, "${var01,}", "aBCDEFGH28IJ"),
    ({"var01": "ABCDEFGH28IJ"}, "${var01,,}", "abcdefgh28ij"),
    ({"path_name": "/home/bozo/ideas/thoughts.for.today"}, "${path_name:11}", "ideas/thoughts.for.today"),
    ({"path_name": "/home/bozo/ideas/thoughts.for.today"}, "${path_name:11:5}", "ideas"),
    ({"var": "abc"}, "${var=xyz}", "abc"),
    ({}, "${var=xyz}", "xyz"),
    ({"default_var": "foo"}, "something ${var=${default_var}}", "something foo"),
    ({"default_var": "foo1"}, "foo: ${var=${default_var}-suffix}", "foo: foo1-suffix"),
    ({"default_var": "foo1"}, "foo: ${var=prefix${default_var}-suffix}", "foo: prefixfoo1-suffix"),
    ({}, "${var:=xyz}", "xyz"),
    ({"stringZ": "abcABC123ABCabc"}, "${stringZ/%abc/XYZ}", "abcABC123ABCXYZ"),
    ({"stringZ": "abcABC123ABCabc"}, "${stringZ/#abc/XYZ}", "XYZABC123ABCabc"),
    ({"stringZ": "somevalue"}, "${stringZ/#/prefix-}", "prefix-somevalue"),
    ({"stringZ": "somevalue"}, "${stringZ/%/-suffix}", "somevalue-suffix"),
    ({"stringZ": "abcABC123ABCabc"}, "${stringZ//abc/xyz}", "xyzABC123ABCxyz"),
    ({"stringZ": "abcABC123ABCabc"}, "${stringZ/abc/xyz}", "xyzABC123ABCabc"),
    ({"filename": "bash.string.txt"}, "${filename#*.}", "string.txt"),
    ({"filename": "path/to/file"}, "${filename#*/}", "to/file"),
    ({"filename": "/path/to/file"}, "${filename#*/}", "path/to/file"),
    ({"filename": "bash.string.txt"}, "${filename##*.}", "txt"),
    ({"filename": "path/to/file"}, "${filename##*/}", "file"),
    ({"filename": "/path/to/file"}, "${filename##*/}", "file"),
    ({"filename": "bash.string.txt"}, "${filename%.*}", "bash.string"),
    ({"filename": "bash.string.txt"}, "${filename%%.*}", "bash"),
    ({"var01": "abcdEFGH28ij"}, "${var=${var01^^}}", "ABCDEFGH28IJ"),
    ({"var01": "abcdEFGH28ij"}, "$${var01}", "${var01}"),
    (
        {"var01": "abcdEFGH28ij"},
        "some text ${var01}$${var$${var01}$var01${var01}",
        "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij",
    ),
    ({"default_var": "foo"}, "something $${var=${default_var}}", "something ${var=foo}"),
    ({"stringZ": "foo/bar"}, r"${stringZ/\//-}", "foo-bar"),
    ({"stringZ": "foo/bar/baz"}, r"${stringZ//\//-}", "foo-bar-baz"),
    ({"default_var": "foo"}, "\\\\something ${var=${default_var}}", "\\\\something foo"),
    ({"stringZ": "foo.bar"}, "${stringZ/./}", "foobar"),
]


@pytest.mark.parametrize(("variables", "text", "expected"), _params(EXPAND))
def test_expansion_in_lenient_mode(variables: dict[str, str], text: str, expected: str) -> None:
    assert evaluate(text, lambda name: variables.get(name, "")) == expected


STRICT = [
    ({}, "abcdEFGH28ij", "abcdEFGH28ij"),
    ({"foo": "bar"}, "${foo}", "bar"),
    ({"foo": ""}, "${foo}", ""),
    ({}, "${missing}", None),
    ({"foo": "bar"}, "${missing:=default}", "default"),
    ({}, "${#missing}", None),
    ({}, "${missing^}", None),
    ({}, "${missing^^}", None),
    ({}, "${missing,}", None),
    ({}, "${missing,,}", None),
    ({}, "${missing:0}", None),
    ({}, "${missing:0:10}", None),
    ({}, "${missing/pattern/replacement}", None),
    ({}, "${missing//pattern/replacement}", None),
    ({}, "${missing/#pattern/replacement}", None),
    ({}, "${missing/%pattern/replacement}", None),
    ({}, "${missing#pattern}", None),
    ({}, "${missing##pattern}", None),
    ({}, "${missing%pattern}", None),
    ({}, "${missing%%pattern}", None),
    ({}, "${missing:-fallback}", "fallback"),
    ({}, "${missing:=assigned}", "assigned"),
    ({}, "${missing=assigned}", "assigned"),
]


@pytest.mark.parametrize(("variables", "text", "expected"), _params(STRICT))
def test_strict_mode_refuses_unset_variables_without_default(
    variables: dict[str, str], text: str, expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(VariableNotSet, match=r"variable not set \(strict mode\): \"missing\""):
            substitute(text, variables, strict=True)
    else:
        assert substitute(text, variables, strict=True) == expected


def test_lenient_mode_renders_unset_variables_empty() -> None:
    assert substitute("a-${missing}-b", {}, strict=False) == "a--b"


def test_unbraced_variables_are_left_alone() -> None:
    assert substitute("$HOME and ${HOME}", {"HOME": "/root"}, strict=True) == "$HOME and /root"


def test_default_arguments_are_expanded_before_the_variable_is_read() -> None:
    with pytest.raises(VariableNotSet):
        substitute("${set:=${unset}}", {"set": "x"}, strict=True)
