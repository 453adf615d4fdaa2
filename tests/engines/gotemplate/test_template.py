"""Go text/template semantics: each case is the output Go's text/template gives for the same template and data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reflow.engines.gotemplate import Template, TemplateExecError, TemplateSyntaxError, sprintf


@dataclass(frozen=True)
class Item:
    name: str
    old_value: str

    def upper_name(self) -> str:
        return self.name.upper()

    def greet(self, other: str) -> str:
        return f"{self.name} greets {other}"


DATA = {
    "S": "Hello",
    "N": 3,
    "F": 2.5,
    "L": ["a", "b", "c"],
    "M": {"b": 2, "a": 1},
    "E": [],
    "Item": Item("web", "1.0"),
    "Nil": None,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("x {{- 1 -}} y", "x1y", id="trim-both"),
        pytest.param("x {{-3}} y", "x -3 y", id="dash-without-space-is-a-number"),
        pytest.param("a\n  {{- /* note */ -}}\n  b", "ab", id="trimmed-comment"),
        pytest.param("{{ .S }} {{ .N }} {{ .F }} {{ .Nil }} {{ .M.zz }}", "Hello 3 2.5 <nil> <no value>", id="print"),
        pytest.param("{{ .L }} {{ .M }} {{ .Item }}", "[a b c] map[a:1 b:2] {web 1.0}", id="go-formatting"),
        pytest.param("{{ .Item.Name }} {{ .Item.OldValue }} {{ .Item.UpperName }}", "web 1.0 WEB", id="fields-methods"),
        pytest.param(
            '{{ .Item.Greet "you" }} {{ "x" | .Item.Greet }}', "web greets you web greets x", id="method-args"
        ),
        pytest.param("{{ range .L }}<{{ . }}>{{ end }}", "<a><b><c>", id="range-dot"),
        pytest.param("{{ range $i, $v := .L }}{{ $i }}{{ $v }}{{ end }}", "0a1b2c", id="range-index"),
        pytest.param("{{ range $k, $v := .M }}{{ $k }}={{ $v }};{{ end }}", "a=1;b=2;", id="range-map-sorted"),
        pytest.param("{{ range .E }}x{{ else }}empty{{ end }}", "empty", id="range-else"),
        pytest.param("{{ range 3 }}{{ . }}{{ end }}", "012", id="range-int"),
        pytest.param(
            '{{ range .L }}{{ if eq . "b" }}{{ continue }}{{ end }}'
            '{{ if eq . "c" }}{{ break }}{{ end }}{{ . }}{{ end }}',
            "a",
            id="break-continue",
        ),
        pytest.param("{{ if .E }}y{{ else if .N }}n{{ else }}z{{ end }}", "n", id="else-if"),
        pytest.param("{{ with .Item }}{{ .Name }}{{ end }}{{ with .E }}x{{ else }}none{{ end }}", "webnone", id="with"),
        pytest.param("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2", id="assign-outer-variable"),
        pytest.param("{{ range .L }}{{ $.S }}{{ end }}", "HelloHelloHello", id="root-variable"),
        pytest.param(
            '{{ printf "%s=%d %q %v %5.1f|%-3s|" "n" 3 "q" .L 2.25 "x" }}', 'n=3 "q" [a b c]   2.2|x  |', id="printf"
        ),
        pytest.param('{{ print "a" 1 2 "b" }}{{ println "c" 3 }}', "a1 2bc 3\n", id="print-println"),
        pytest.param('{{ len .L }} {{ len .S }} {{ index .L 1 }} {{ index .M "b" }}', "3 5 b 2", id="len-index"),
        pytest.param('{{ and 1 0 2 }} {{ or 0 "" "x" }} {{ not .E }}', "0 x true", id="and-or-not"),
        pytest.param("{{ if and .Nil .Nil.Missing }}x{{ else }}short{{ end }}", "short", id="and-short-circuits"),
        pytest.param(
            '{{ eq .N 1 2 3 }} {{ ne .S "x" }} {{ lt 1 2 }} {{ ge "b" "a" }}', "true true true true", id="compare"
        ),
        pytest.param("{{ (index .L 0) | upper }} {{ (.Item).Name }}", "A web", id="parenthesised"),
        pytest.param(
            '{{ .S | lower | trunc 3 }} {{ "abc" | trunc -2 }} {{ title "hello world" }}',
            "hel bc Hello World",
            id="sprig-strings",
        ),
        pytest.param(
            '{{ trimPrefix "v" "v1.2" }} {{ replace "." "-" "1.2.3" }} {{ contains "ell" .S }}',
            "1.2 1-2-3 true",
            id="sprig-more",
        ),
        pytest.param(
            '{{ .M.missing | default "d" }} {{ join ", " .L }} {{ quote "a" }} {{ squote "b" }}',
            "d a, b, c \"a\" 'b'",
            id="sprig-lists",
        ),
        pytest.param(
            '{{ "x" | sha256sum | trunc 8 }} {{ toString 2.0 }} {{ add 1 2 3 }} {{ b64enc "hi" }}',
            "2d711642 2 6 aGk=",
            id="sprig-misc",
        ),
        pytest.param('{{ "a\\nb" | indent 2 }}|{{ "c" | nindent 1 }}', "  a\n  b|\n c", id="indent"),
        pytest.param("{{ `raw\\n` }}{{ 'a' }}{{ 0x10 }}{{ 1e3 }}", "raw\\n9716" + "1000", id="literals"),
    ],
)
def test_renders_as_go_does(source: str, expected: str) -> None:
    assert Template.parse(source).render(DATA) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("{{ if .S }}", "has no {{end}}", id="missing-end"),
        pytest.param("{{ end }}", "unexpected {{end}}", id="stray-end"),
        pytest.param("{{ nope 1 }}", 'function "nope" not defined', id="unknown-function"),
        pytest.param("{{ .S ", "unclosed action", id="unclosed-action"),
        pytest.param('{{ "abc }}', "unterminated quoted string", id="unterminated-string"),
        pytest.param("{{ break }}", "{{break}} outside {{range}}", id="break-outside-range"),
        pytest.param('{{ define "x" }}{{ end }}', "not supported", id="define-refused"),
        pytest.param("{{ /* c */ }}", "unexpected '/'", id="comment-needs-delimiters-adjacent"),
    ],
)
def test_syntax_errors_name_the_problem(source: str, message: str) -> None:
    with pytest.raises(
        TemplateSyntaxError, match="template: template:1: .*" + message.replace("{", r"\{").replace("}", r"\}")
    ):
        Template.parse(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("{{ .Item.Nope }}", "can't evaluate field Nope in type Item", id="unknown-field"),
        pytest.param("{{ .Item.name }}", "can't evaluate field name in type Item", id="unexported-field"),
        pytest.param("{{ .Nil.X }}", "nil data; no entry for key 'X'", id="field-of-nil"),
        pytest.param("{{ $y }}", "undefined variable: \\$y", id="undefined-variable"),
        pytest.param("{{ index .L 9 }}", "error calling index: index out of range: 9", id="index-out-of-range"),
        pytest.param("{{ range .S }}{{ end }}", "range can't iterate over Hello", id="range-over-string"),
        pytest.param("{{ .S 1 }}", "S is not a method but has arguments", id="argument-to-field"),
        pytest.param("{{ 1 2 }}", "can't give argument to non-function 1", id="argument-to-literal"),
        pytest.param("{{ lt 1 2.5 }}", "incompatible types for comparison", id="int-float-comparison"),
    ],
)
def test_execution_errors_name_the_problem(source: str, message: str) -> None:
    with pytest.raises(TemplateExecError, match=message):
        Template.parse(source).render(DATA)


def test_sprintf_reports_bad_verbs_and_argument_counts_as_go() -> None:
    assert sprintf("%d %s %d", "x", 1) == "%!d(string=x) %!s(int=1) %!d(MISSING)"
    assert sprintf("%s", "a", 2) == "a%!(EXTRA int=2)"
