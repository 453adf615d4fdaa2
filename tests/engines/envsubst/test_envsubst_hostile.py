"""Templates written to stall or crash the controller: huge texts, long escape runs, deep nesting, long trims.

A Kustomization's manifests are the tenant's, so any of these can reach postBuild substitution. Each
must give the same result as a small template would, in time linear in the input, or a clear error.
"""

from __future__ import annotations

import pytest

from reflow.engines.envsubst import MAX_DEPTH, NestedTooDeep, SubstitutionSyntaxError, parse, substitute


def test_ten_mebibytes_with_one_variable_substitute_whole() -> None:
    line = "  key: some plain value that goes on for a while\n"
    text = line * ((10 << 20) // len(line)) + "region: ${region}\n"
    assert substitute(text, {"region": "eu-west-1"}, strict=True) == text.replace("${region}", "eu-west-1")


def test_a_long_run_of_dollar_escapes_collapses_pairwise() -> None:
    text = "$$" * 100_000 + "{x} $$$${y} ${z}"
    assert substitute(text, {"z": "Z"}, strict=False) == "$" * 100_000 + "{x} $${y} Z"


def test_a_ten_mebibyte_default_is_used_whole() -> None:
    default = "d" * (10 << 20)
    assert substitute("${unset:-" + default + "}", {}, strict=True) == default


LONG = "a" + "b" * 9_999 + "a" + "c" * 9_999 + "a"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("${v#*a}", "b" * 9_999 + "a" + "c" * 9_999 + "a", id="shortest-prefix"),
        pytest.param("${v##*a}", "", id="longest-prefix"),
        pytest.param("${v##*b}", "a" + "c" * 9_999 + "a", id="longest-prefix-inside"),
        pytest.param("${v%a*}", "a" + "b" * 9_999 + "a" + "c" * 9_999, id="shortest-suffix"),
        pytest.param("${v%%a*}", "", id="longest-suffix"),
        pytest.param("${v%%c*}", "a" + "b" * 9_999 + "a", id="longest-suffix-inside"),
        pytest.param("${v##*z}", LONG, id="no-match"),
    ],
)
def test_trims_of_a_long_value_cut_where_the_glob_says(template: str, expected: str) -> None:
    assert substitute(template, {"v": LONG}, strict=True) == expected


def nested_defaults(depth: int) -> str:
    """`${v1:-${v2:-…${vN:-leaf}…}}`: each default holds the next expansion."""
    return "".join(f"${{v{n}:-" for n in range(depth)) + "leaf" + "}" * depth


def test_nesting_up_to_the_bound_expands() -> None:
    assert substitute(nested_defaults(MAX_DEPTH + 1), {}, strict=True) == "leaf"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 2, 500, 100_000])
def test_nesting_past_the_bound_is_a_syntax_error_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(NestedTooDeep, match=f"^expansions nested more than {MAX_DEPTH} deep$"):
        substitute(nested_defaults(depth), {}, strict=True)
    with pytest.raises(SubstitutionSyntaxError):
        parse(nested_defaults(depth))
