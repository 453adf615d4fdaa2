"""Template structure, ported case for case from fluxcd/pkg envsubst parse/parse_test.go.

Upstream nests text and expansions in right-leaning list nodes; here a template is the flat sequence.
"""

from __future__ import annotations

import pytest

from reflow.engines.envsubst import (
    BadArgument,
    BadSubstitution,
    Expansion,
    MissingClosingBrace,
    SubstitutionSyntaxError,
    Template,
    Text,
    parse,
)

E = Expansion
T = Text

PARSED: list[tuple[str, Template]] = [
    ("text", (T("text"),)),
    ("}text", (T("}text"),)),
    ("http://github.com", (T("http://github.com"),)),
    ("$${string}", (T("${string}"),)),
    ("$$string", (T("$string"),)),
    (r"\\.\pipe\pipename", (T(r"\\.\pipe\pipename"),)),
    ("${string}", (E("string"),)),
    ("${string,}", (E("string", ","),)),
    ("${string,,}", (E("string", ",,"),)),
    ("${string^}", (E("string", "^"),)),
    ("${string^^}", (E("string", "^^"),)),
    ("${string:position}", (E("string", ":", (T("position"),)),)),
    ("${string:position:length}", (E("string", ":", (T("position"), T("length"))),)),
    ("${string#substring}", (E("string", "#", (T("substring"),)),)),
    ("${string##substring}", (E("string", "##", (T("substring"),)),)),
    ("${string%substring}", (E("string", "%", (T("substring"),)),)),
    ("${string%%substring}", (E("string", "%%", (T("substring"),)),)),
    ("${string/substring/replacement}", (E("string", "/", (T("substring"), T("replacement"))),)),
    ("${string//substring/replacement}", (E("string", "//", (T("substring"), T("replacement"))),)),
    ("${string/#substring/replacement}", (E("string", "/#", (T("substring"), T("replacement"))),)),
    ("${string/%substring/replacement}", (E("string", "/%", (T("substring"), T("replacement"))),)),
    ("${string/#/replacement}", (E("string", "/#", (T(""), T("replacement"))),)),
    ("${string/%/replacement}", (E("string", "/%", (T(""), T("replacement"))),)),
    ("${string=default}", (E("string", "=", (T("default"),)),)),
    ("${string:=default}", (E("string", ":=", (T("default"),)),)),
    ("${string:-default}", (E("string", ":-", (T("default"),)),)),
    ("${string:?default}", (E("string", ":?", (T("default"),)),)),
    ("${string:+default}", (E("string", ":+", (T("default"),)),)),
    ("${#string}", (E("string", "#"),)),
    ("${string#$%:*{}", (E("string", "#", (T("$%:*{"),)),)),
    ("hello ${#string} world", (T("hello "), E("string", "#"), T(" world"))),
    (r"\\ hello ${#string} world \\", (T(r"\\ hello "), E("string", "#"), T(r" world \\"))),
    (r"${string/\/position/length}", (E("string", "/", (T("/position"), T("length"))),)),
    (r"${string/\/position\\/length}", (E("string", "/", (T("/position\\"), T("length"))),)),
    (r"${string/position/\/length}", (E("string", "/", (T("position"), T("/length"))),)),
    (r"${string/position/\/length\\}", (E("string", "/", (T("position"), T("/length\\"))),)),
    (r"${string/position/\/leng\\th}", (E("string", "/", (T("position"), T("/leng\\th"))),)),
    ("${string:${position}}", (E("string", ":", (E("position"),)),)),
    (
        "${string:${stringy:position:length}:${stringz,,}}",
        (E("string", ":", (E("stringy", ":", (T("position"), T("length"))), E("stringz", ",,"))),),
    ),
    ("${string#${stringz}}", (E("string", "#", (E("stringz"),)),)),
    ("${string=${stringz}}", (E("string", "=", (E("stringz"),)),)),
    ("${string=prefix-${var}}", (E("string", "=", (T("prefix-"), E("var"))),)),
    ("${string=${var}-suffix}", (E("string", "=", (E("var"), T("-suffix"))),)),
    ("${string=prefix-${var}-suffix}", (E("string", "=", (T("prefix-"), E("var"), T("-suffix"))),)),
    ("${string=prefix${var} suffix}", (E("string", "=", (T("prefix"), E("var"), T(" suffix"))),)),
    ("${string//${stringy}/${stringz}}", (E("string", "//", (E("stringy"), E("stringz"))),)),
]


@pytest.mark.parametrize(("text", "template"), [pytest.param(t, n, id=t) for t, n in PARSED])
def test_parse_builds_the_upstream_tree(text: str, template: Template) -> None:
    assert parse(text) == template


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("${var", MissingClosingBrace, id="unclosed"),
        pytest.param("${var-default}", MissingClosingBrace, id="plain-minus-is-not-an-operator"),
        pytest.param("${var+alt}", MissingClosingBrace, id="plain-plus-is-not-an-operator"),
        pytest.param("${var#}", BadArgument, id="trim-needs-a-pattern"),
        pytest.param("${#}", BadSubstitution, id="length-needs-a-name"),
        pytest.param("${}", SubstitutionSyntaxError, id="empty"),
    ],
)
def test_malformed_expansions_are_refused(text: str, error: type[SubstitutionSyntaxError]) -> None:
    with pytest.raises(error):
        parse(text)
