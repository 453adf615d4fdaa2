"""Range parsing, matching and failure reasons, ported case for case from Masterminds/semver v3 constraints_test.go."""

from __future__ import annotations

import pytest

from reflow.engines.semver import (
    InvalidConstraint,
    parse_comparator,
    parse_constraints,
    parse_strict,
    parse_version,
    rewrite_hyphen_ranges,
)


def _params(rows: list[tuple[object, ...]]) -> list[object]:
    return [pytest.param(*row, id="|".join(repr(part) for part in row)) for row in rows]


SINGLE = [
    (">= 1.2", ">=", "1.2.0", False),
    ("1.0", "", "1.0.0", False),
    ("foo", None, "", True),
    ("<= 1.2", "<=", "1.2.0", False),
    ("=< 1.2", "=<", "1.2.0", False),
    ("=> 1.2", "=>", "1.2.0", False),
    ("v1.2", "", "1.2.0", False),
    ("=1.5", "=", "1.5.0", False),
    ("> 1.3", ">", "1.3.0", False),
    ("< 1.4.1", "<", "1.4.1", False),
    ("< 40.50.10", "<", "40.50.10", False),
]


@pytest.mark.parametrize(("text", "operator", "version", "fails"), _params(SINGLE))
def test_single_comparator_parses_operator_and_version(
    text: str, operator: str | None, version: str, fails: bool
) -> None:
    if fails:
        with pytest.raises(InvalidConstraint):
            parse_comparator(text)
        return
    comparator = parse_comparator(text)
    assert (comparator.operator, str(comparator.version)) == (operator, version)


SINGLE_CHECK = [
    ("=2.0.0", "1.2.3", False),
    ("=2.0.0", "2.0.0", True),
    ("=2.0", "1.2.3", False),
    ("=2.0", "2.0.0", True),
    ("=2.0", "2.0.1", True),
    ("4.1", "4.1.0", True),
    ("!=4.1.0", "4.1.0", False),
    ("!=4.1.0", "4.1.1", True),
    ("!=4.1", "4.1.0", False),
    ("!=4.1", "4.1.1", False),
    ("!=4.1", "5.1.0-alpha.1", False),
    ("!=4.1.0", "5.1.0-alpha.1", False),
    ("!=4.1-alpha", "4.1.0", True),
    ("!=4.1", "5.1.0", True),
    ("<11", "0.1.0", True),
    ("<11", "11.1.0", False),
    ("<1.1", "0.1.0", True),
    ("<1.1", "1.1.0", False),
    ("<1.1", "1.1.1", False),
    ("<=11", "1.2.3", True),
    ("<=11", "12.2.3", False),
    ("<=11", "11.2.3", True),
    ("<=1.1", "1.2.3", False),
    ("<=1.1", "0.1.0", True),
    ("<=1.1", "1.1.0", True),
    ("<=1.1", "1.1.1", True),
    (">1.1", "4.1.0", True),
    (">1.1", "1.1.0", False),
    (">0", "0", False),
    (">0", "1", True),
    (">0", "0.0.1-alpha", False),
    (">0.0", "0.0.1-alpha", False),
    (">0-0", "0.0.1-alpha", False),
    (">0.0-0", "0.0.1-alpha", False),
    (">0", "0.0.0-alpha", False),
    (">0-0", "0.0.0-alpha", False),
    (">0.0.0-0", "0.0.0-alpha", True),
    (">1.2.3-alpha.1", "1.2.3-alpha.2", True),
    (">1.2.3-alpha.1", "1.3.3-alpha.2", True),
    (">11", "11.1.0", False),
    (">11.1", "11.1.0", False),
    (">11.1", "11.1.1", False),
    (">11.1", "11.2.1", True),
    (">=11", "11.1.2", True),
    (">=11.1", "11.1.2", True),
    (">=11.1", "11.0.2", False),
    (">=1.1", "4.1.0", True),
    (">=1.1", "1.1.0", True),
    (">=1.1", "0.0.9", False),
    (">=0", "0.0.1-alpha", False),
    (">=0.0", "0.0.1-alpha", False),
    (">=0-0", "0.0.1-alpha", True),
    (">=0.0-0", "0.0.1-alpha", True),
    (">=0", "0.0.0-alpha", False),
    (">=0-0", "0.0.0-alpha", True),
    (">=0.0.0-0", "0.0.0-alpha", True),
    (">=0.0.0-0", "1.2.3", True),
    (">=0.0.0-0", "3.4.5-beta.1", True),
    ("<0", "0.0.0-alpha", False),
    ("<0-z", "0.0.0-alpha", True),
    (">=0", "0", True),
    ("=0", "1", False),
    ("*", "1", True),
    ("*", "4.5.6", True),
    ("*", "1.2.3-alpha.1", False),
    ("*-0", "1.2.3-alpha.1", True),
    ("2.*", "1", False),
    ("2.*", "3.4.5", False),
    ("2.*", "2.1.1", True),
    ("2.1.*", "2.1.1", True),
    ("2.1.*", "2.2.1", False),
    ("", "1", True),
    ("", "4.5.6", True),
    ("", "1.2.3-alpha.1", False),
    ("2", "1", False),
    ("2", "3.4.5", False),
    ("2", "2.1.1", True),
    ("2.1", "2.1.1", True),
    ("2.1", "2.2.1", False),
    ("~1.2.3", "1.2.4", True),
    ("~1.2.3", "1.3.4", False),
    ("~1.2", "1.2.4", True),
    ("~1.2", "1.3.4", False),
    ("~1", "1.2.4", True),
    ("~1", "2.3.4", False),
    ("~0.2.3", "0.2.5", True),
    ("~0.2.3", "0.3.5", False),
    ("~1.2.3-beta.2", "1.2.3-beta.4", True),
    ("~1.2.3-beta.2", "1.2.4-beta.2", True),
    ("~1.2.3-beta.2", "1.3.4-beta.2", False),
    ("^1.2.3", "1.8.9", True),
    ("^1.2.3", "2.8.9", False),
    ("^1.2.3", "1.2.1", False),
    ("^1.1.0", "2.1.0", False),
    ("^1.2.0", "2.2.1", False),
    ("^1.2.0", "1.2.1-alpha.1", False),
    ("^1.2.0-alpha.0", "1.2.1-alpha.1", True),
    ("^1.2.0-alpha.0", "1.2.1-alpha.0", True),
    ("^1.2.0-alpha.2", "1.2.0-alpha.1", False),
    ("^1.2", "1.8.9", True),
    ("^1.2", "2.8.9", False),
    ("^1", "1.8.9", True),
    ("^1", "2.8.9", False),
    ("^0.2.3", "0.2.5", True),
    ("^0.2.3", "0.5.6", False),
    ("^0.2", "0.2.5", True),
    ("^0.2", "0.5.6", False),
    ("^0.0.3", "0.0.3", True),
    ("^0.0.3", "0.0.4", False),
    ("^0.0", "0.0.3", True),
    ("^0.0", "0.1.4", False),
    ("^0.0", "1.0.4", False),
    ("^0", "0.2.3", True),
    ("^0", "1.1.4", False),
    ("^0.2.3-beta.2", "0.2.3-beta.4", True),
    ("^0.2.3-beta.2", "0.2.4-beta.2", True),
    ("^0.2.3-beta.2", "0.3.4-beta.2", False),
    ("^0.2.3-beta.2", "0.2.3-beta.2", True),
]


@pytest.mark.parametrize(("text", "version", "satisfied"), _params(SINGLE_CHECK))
def test_single_comparator_check(text: str, version: str, satisfied: bool) -> None:
    comparator = parse_comparator(text)
    include_prerelease = bool(comparator.version.prerelease)
    assert (comparator.failure(parse_version(version), include_prerelease) is None) is satisfied


NEW = [
    (">= 1.1", 1, 1, False),
    (">40.50.60, < 50.70", 1, 2, False),
    ("2.0", 1, 1, False),
    ("v2.3.5-20161202202307-sha.e8fc5e5", 1, 1, False),
    (">= bar", 0, 0, True),
    ("BAR >= 1.2.3", 0, 0, True),
    (">= 1.2.3 < 2.0", 1, 2, False),
    (">= 1.2.3 < 2.0 || => 3.0 < 4", 2, 2, False),
    (">= 1.2.3, < 2.0", 1, 2, False),
    (">= 1.2.3, < 2.0 || => 3.0, < 4", 2, 2, False),
    ("3 - 4 || => 3.0, < 4", 2, 2, False),
    ("12.3.4.1234", 0, 0, True),
    ("12.23.4.1234", 0, 0, True),
    ("12.3.34.1234", 0, 0, True),
    ("12.3.34 ~1.2.3", 1, 2, False),
    ("12.3.34~ 1.2.3", 0, 0, True),
    ("1.0.0 - 2.0.0, <=2.0.0", 1, 3, False),
]


@pytest.mark.parametrize(("text", "alternatives", "terms", "fails"), _params(NEW))
def test_range_splits_into_alternatives_and_terms(text: str, alternatives: int, terms: int, fails: bool) -> None:
    if fails:
        with pytest.raises(InvalidConstraint):
            parse_constraints(text)
        return
    constraints = parse_constraints(text)
    assert (len(constraints.groups), len(constraints.groups[0])) == (alternatives, terms)


# Rows both range tables share, with and without prereleases requested.
_SHARED = [
    ("*", "1.2.3", True),
    ("~0.0.0", "1.2.3", True),
    ("0.x.x", "1.2.3", False),
    ("0.0.x", "1.2.3", False),
    ("0.0.0", "1.2.3", False),
    ("*", "1.2.3", True),
    ("^0.0.0", "1.2.3", False),
    ("= 2.0", "1.2.3", False),
    ("= 2.0", "2.0.0", True),
    ("4.1", "4.1.0", True),
    ("4.1.x", "4.1.3", True),
    ("1.x", "1.4", True),
    ("!=4.1", "4.1.0", False),
    ("!=4.1-alpha", "4.1.0-alpha", False),
    ("!=4.1-alpha", "4.1.1-alpha", False),
    ("!=4.1-alpha", "4.1.0", True),
    ("!=4.1", "5.1.0", True),
    ("!=4.x", "5.1.0", True),
    ("!=4.x", "4.1.0", False),
    ("!=4.1.x", "4.2.0", True),
    ("!=4.2.x", "4.2.3", False),
    (">1.1", "4.1.0", True),
    (">1.1", "1.1.0", False),
    ("<1.1", "0.1.0", True),
    ("<1.1", "1.1.0", False),
    ("<1.1", "1.1.1", False),
    ("<1.x", "1.1.1", False),
    ("<1.x", "0.1.1", True),
    ("<1.x", "2.0.0", False),
    ("<1.1.x", "1.2.1", False),
    ("<1.1.x", "1.1.500", False),
    ("<1.1.x", "1.0.500", True),
    ("<1.2.x", "1.1.1", True),
    (">=1.1", "4.1.0", True),
]
_SHARED_TAIL = [
    (">=1.1", "1.1.0", True),
    (">=1.1", "0.0.9", False),
    ("<=1.1", "0.1.0", True),
]
_SHARED_END = [
    ("<=1.1-a", "0.1.0-alpha", True),
    ("<=1.1", "1.1.0", True),
    ("<=1.x", "1.1.0", True),
    ("<=2.x", "3.0.0", False),
    ("<=1.1", "1.1.1", True),
    ("<=1.1.x", "1.2.500", False),
    ("<=4.5", "3.4.0", True),
    ("<=4.5", "3.7.0", True),
    ("<=4.5", "4.6.3", False),
    (">1.1, <2", "1.1.1", False),
    (">1.1, <2", "1.2.1", True),
    (">1.1, <3", "4.3.2", False),
    (">=1.1, <2, !=1.2.3", "1.2.3", False),
    (">1.1 <2", "1.1.1", False),
    (">1.1 <2", "1.2.1", True),
    (">1.1    <3", "4.3.2", False),
    (">=1.1    <2    !=1.2.3", "1.2.3", False),
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", True),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", False),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", True),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", False),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", False),
    (">=1.1 <2 !=1.2.3", "1.2.3", False),
    (">=1.1 <2 !=1.2.3 || > 3", "4.1.2", True),
    (">=1.1 <2 !=1.2.3 || > 3", "3.1.2", False),
    (">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", True),
    (">=1.1 <2 !=1.2.3 || > 3", "3.0.0", False),
    (">=1.1 <2 !=1.2.3 || > 3", "1.2.3", False),
    ("> 1.1, <     2", "1.1.1", False),
    (">   1.1, <2", "1.2.1", True),
    (">1.1, <  3", "4.3.2", False),
    (">= 1.1, <     2, !=1.2.3", "1.2.3", False),
    ("> 1.1 < 2", "1.1.1", False),
    (">1.1 < 2", "1.2.1", True),
    ("> 1.1    <3", "4.3.2", False),
    (">=1.1    < 2    != 1.2.3", "1.2.3", False),
    (">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", True),
    (">= 1.1, <2, != 1.2.3 || > 3", "3.1.2", False),
    (">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", True),
    (">= 1.1, <2, !=1.2.3 || > 3", "3.0.0", False),
    (">= 1.1, <2, !=1.2.3 || > 3", "1.2.3", False),
    (">= 1.1 <2 != 1.2.3", "1.2.3", False),
    (">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", True),
    (">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", False),
    (">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", True),
    (">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", False),
    (">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", False),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1-beta", True),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1", True),
    (">= 1.0.0  <= 2.0.0-beta", "3.0.0", False),
    (">= 1.0.0  <= 2.0.0-beta || > 3", "1.0.1-beta", True),
    (">= 1.0.0  <= 2.0.0-beta || > 3", "3.0.1-beta", False),
    (">= 1.0.0  <= 2.0.0-beta != 1.0.1 || > 3", "1.0.1-beta", True),
    (">= 1.0.0  <= 2.0.0-beta != 1.0.1-beta || > 3", "1.0.1-beta", False),
    (">= 1.0.0-0  <= 2.0.0", "1.0.1-beta", True),
    ("1.1 - 2", "1.1.1", True),
    ("1.5.0 - 4.5", "3.7.0", True),
    ("1.1-3", "4.3.2", False),
    ("^1.1", "1.1.1", True),
    ("^1.1", "4.3.2", False),
    ("^1.x", "1.1.1", True),
    ("^2.x", "1.1.1", False),
    ("^1.x", "2.1.1", False),
]
_SHARED_CARET_TILDE = [
    ("^1.1.2-alpha", "1.2.1-beta1", True),
    ("^1.2.x-alpha", "1.1.1-beta1", False),
    ("^0.0.1", "0.0.1", True),
    ("^0.0.1", "0.3.1", False),
    ("~*", "2.1.1", True),
    ("~1", "2.1.1", False),
    ("~1", "1.3.5", True),
    ("~1", "1.4", True),
    ("~1.x", "2.1.1", False),
    ("~1.x", "1.3.5", True),
    ("~1.x", "1.4", True),
    ("~1.1", "1.1.1", True),
]
_SHARED_FINAL = [
    ("~1.1-alpha", "1.1.1-beta", True),
    ("~1.1.1-beta", "1.1.1-alpha", False),
    ("~1.1.1-beta", "1.1.1", True),
    ("~1.2.3", "1.2.5", True),
    ("~1.2.3", "1.2.2", False),
    ("~1.2.3", "1.3.2", False),
    ("~1.1", "1.2.3", False),
    ("~1.3", "2.4.5", False),
    ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", True),
    ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", True),
]
RANGE_CHECK = [
    *_SHARED,
    (">=1.1", "4.1.0-beta", False),
    *_SHARED_TAIL,
    ("<=1.1", "0.1.0-alpha", False),
    *_SHARED_END,
    ("^1.x", "1.1.1-beta1", False),
    *_SHARED_CARET_TILDE,
    ("~1.1", "1.1.1-alpha", False),
    *_SHARED_FINAL,
]
RANGE_CHECK_WITH_PRERELEASES = [
    (">=1.1", "4.1.0-beta", True),
    (">1.1", "4.1.0-beta", True),
    ("<=1.1", "0.1.0-alpha", True),
    ("<1.1", "0.1.0-alpha", True),
    ("^1.x", "1.1.1-beta1", True),
    ("~1.1", "1.1.1-alpha", True),
    ("*", "1.2.3-alpha", True),
    ("= 2.0", "2.0.1-beta", True),
    *_SHARED,
    *_SHARED_TAIL,
    *_SHARED_END,
    *_SHARED_CARET_TILDE,
    *_SHARED_FINAL,
]


@pytest.mark.parametrize(("text", "version", "satisfied"), _params(RANGE_CHECK))
def test_range_check_skips_prereleases_unless_named(text: str, version: str, satisfied: bool) -> None:
    assert parse_constraints(text).check(parse_version(version)) is satisfied


@pytest.mark.parametrize(("text", "version", "satisfied"), _params(RANGE_CHECK_WITH_PRERELEASES))
def test_range_check_with_prereleases_requested(text: str, version: str, satisfied: bool) -> None:
    assert parse_constraints(text, include_prerelease=True).check(parse_version(version)) is satisfied


HYPHEN_RANGES = [
    ("2 - 3", ">= 2, <= 3 "),
    ("2 - 3, 2 - 3", ">= 2, <= 3 ,>= 2, <= 3 "),
    ("2 - 3, 4.0.0 - 5.1", ">= 2, <= 3 ,>= 4.0.0, <= 5.1 "),
    ("2 - 3 4.0.0 - 5.1", ">= 2, <= 3 >= 4.0.0, <= 5.1 "),
    ("1.0.0 - 2.0.0 <=2.0.0", ">= 1.0.0, <= 2.0.0 <=2.0.0"),
]


@pytest.mark.parametrize(("text", "rewritten"), _params(HYPHEN_RANGES))
def test_hyphen_range_becomes_two_comparators(text: str, rewritten: str) -> None:
    assert rewrite_hyphen_ranges(text) == rewritten


@pytest.mark.parametrize(("part", "wildcard"), [("A", False), ("%", False), ("X", True), ("x", True), ("*", True)])
def test_wildcard_characters(part: str, wildcard: bool) -> None:
    if part in ("A", "%"):
        with pytest.raises(InvalidConstraint):
            parse_comparator(f"1.{part}")
    else:
        assert parse_comparator(f"1.{part}").minor_wildcard is wildcard


_VALIDATE_SHARED = [
    ("*", "1.2.3", True),
    ("~0.0.0", "1.2.3", True),
    ("= 2.0", "1.2.3", False),
    ("= 2.0", "2.0.0", True),
    ("4.1", "4.1.0", True),
    ("4.1.x", "4.1.3", True),
    ("1.x", "1.4", True),
    ("!=4.1", "4.1.0", False),
    ("!=4.1", "5.1.0", True),
    ("!=4.x", "5.1.0", True),
    ("!=4.x", "4.1.0", False),
    ("!=4.1.x", "4.2.0", True),
    ("!=4.2.x", "4.2.3", False),
    (">1.1", "4.1.0", True),
    (">1.1", "1.1.0", False),
    ("<1.1", "0.1.0", True),
    ("<1.1", "1.1.0", False),
    ("<1.1", "1.1.1", False),
    ("<1.x", "1.1.1", False),
    ("<2.x", "1.1.1", True),
    ("<1.x", "2.1.1", False),
    ("<1.1.x", "1.2.1", False),
    ("<1.1.x", "1.1.500", False),
    ("<1.2.x", "1.1.1", True),
    (">=1.1", "4.1.0", True),
    (">=1.1", "1.1.0", True),
    (">=1.1", "0.0.9", False),
    ("<=1.1", "0.1.0", True),
    ("<=1.1", "1.1.0", True),
    ("<=1.x", "1.1.0", True),
    ("<=2.x", "3.1.0", False),
    ("<=1.1", "1.1.1", True),
    ("<=1.1.x", "1.2.500", False),
    (">1.1, <2", "1.1.1", False),
    (">1.1, <2", "1.2.1", True),
    (">1.1, <3", "4.3.2", False),
    (">=1.1, <2, !=1.2.3", "1.2.3", False),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", False),
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", True),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", True),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", False),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", False),
    ("1.1 - 2", "1.1.1", True),
    ("1.1-3", "4.3.2", False),
    ("^1.1", "1.1.1", True),
]
_VALIDATE_MIDDLE = [
    ("^1.1.1-alpha", "1.1.1-beta", True),
    ("^1.1.1-beta", "1.1.1-alpha", False),
    ("^1.1", "4.3.2", False),
    ("^1.x", "1.1.1", True),
    ("^2.x", "1.1.1", False),
    ("^1.x", "2.1.1", False),
    ("^0.0.1", "0.1.3", False),
    ("^0.0.1", "0.0.1", True),
    ("~*", "2.1.1", True),
    ("~1", "2.1.1", False),
    ("~1", "1.3.5", True),
]
_VALIDATE_END = [
    ("~1.3.6-alpha", "1.3.5-beta", False),
    ("~1.3.5-alpha", "1.3.5-beta", True),
    ("~1.3.5-beta", "1.3.5-alpha", False),
    ("~1.x", "1.4", True),
    ("~1.1", "1.1.1", True),
    ("~1.2.3", "1.2.5", True),
    ("~1.2.3", "1.2.2", False),
    ("~1.2.3", "1.3.2", False),
    ("~1.1", "1.2.3", False),
    ("~1.3", "2.4.5", False),
]
VALIDATE = [
    *_VALIDATE_SHARED,
    ("^1.1", "1.1.1-alpha", False),
    *_VALIDATE_MIDDLE,
    ("~1", "1.3.5-beta", False),
    ("~1.x", "2.1.1", False),
    ("~1.x", "1.3.5", True),
    ("~1.x", "1.3.5-beta", False),
    *_VALIDATE_END,
]
VALIDATE_WITH_PRERELEASES = [
    ("^1.1", "1.1.1-alpha", True),
    ("~1", "1.3.5-beta", True),
    ("~1.x", "1.3.5-beta", True),
    (">=1.1", "4.1.0-beta", True),
    (">1.1", "4.1.0-beta", True),
    ("<=1.1", "0.1.0-alpha", True),
    ("<1.1", "0.1.0-alpha", True),
    ("^1.x", "1.1.1-beta1", True),
    ("~1.1", "1.1.1-alpha", True),
    ("*", "1.2.3-alpha", True),
    ("= 2.0", "2.0.1-beta", True),
    *_VALIDATE_SHARED,
    *_VALIDATE_MIDDLE,
    ("~1.x", "2.1.1", False),
    ("~1.x", "1.3.5", True),
    *_VALIDATE_END,
]


@pytest.mark.parametrize(("text", "version", "satisfied"), _params(VALIDATE))
def test_validate_gives_reasons_when_unsatisfied(text: str, version: str, satisfied: bool) -> None:
    reasons = parse_constraints(text).validate(parse_version(version))
    assert (not reasons) is satisfied


@pytest.mark.parametrize(("text", "version", "satisfied"), _params(VALIDATE_WITH_PRERELEASES))
def test_validate_with_prereleases_requested(text: str, version: str, satisfied: bool) -> None:
    reasons = parse_constraints(text, include_prerelease=True).validate(parse_version(version))
    assert (not reasons) is satisfied


@pytest.mark.parametrize("include_prerelease", [False, True])
def test_validate_reports_every_failing_term(include_prerelease: bool) -> None:
    constraints = parse_constraints("!= 1.2.5, ^2, <= 1.1.x", include_prerelease=include_prerelease)
    assert constraints.validate(parse_strict("1.2.3")) == ["1.2.3 is less than 2", "1.2.3 is greater than 1.1.x"]


_MESSAGES_SHARED = [
    ("2.x", "1.2.3", "1.2.3 is less than 2.x"),
    ("2", "1.2.3", "1.2.3 is less than 2"),
    ("= 2.0", "1.2.3", "1.2.3 is less than 2.0"),
    ("!=4.1", "4.1.0", "4.1.0 is equal to 4.1"),
    ("!=4.x", "4.1.0", "4.1.0 is equal to 4.x"),
    ("!=4.2.x", "4.2.3", "4.2.3 is equal to 4.2.x"),
    (">1.1", "1.1.0", "1.1.0 is less than or equal to 1.1"),
    ("<1.1", "1.1.0", "1.1.0 is greater than or equal to 1.1"),
    ("<1.1", "1.1.1", "1.1.1 is greater than or equal to 1.1"),
    ("<1.x", "2.1.1", "2.1.1 is greater than or equal to 1.x"),
    ("<1.1.x", "1.2.1", "1.2.1 is greater than or equal to 1.1.x"),
    (">=1.1", "0.0.9", "0.0.9 is less than 1.1"),
    ("<=2.x", "3.1.0", "3.1.0 is greater than 2.x"),
    ("<=1.1", "1.2.1", "1.2.1 is greater than 1.1"),
    ("<=1.1.x", "1.2.500", "1.2.500 is greater than 1.1.x"),
    (">1.1, <3", "4.3.2", "4.3.2 is greater than or equal to 3"),
    (">=1.1, <2, !=1.2.3", "1.2.3", "1.2.3 is equal to 1.2.3"),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", "3.0.0 is greater than or equal to 2"),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", "1.2.3 is equal to 1.2.3"),
    ("1.1 - 3", "4.3.2", "4.3.2 is greater than 3"),
    ("^1.1", "4.3.2", "4.3.2 does not have same major version as 1.1"),
    ("^1.12.7", "1.6.6", "1.6.6 is less than 1.12.7"),
    ("^2.x", "1.1.1", "1.1.1 is less than 2.x"),
    ("^1.x", "2.1.1", "2.1.1 does not have same major version as 1.x"),
    (
        "^0.2",
        "0.3.0",
        "0.3.0 does not have same minor version as 0.2. "
        "Expected minor versions to match when constraint major version is 0",
    ),
    ("^0.2", "0.1.1", "0.1.1 is less than 0.2"),
    ("^0.0.3", "0.1.1", "0.1.1 does not have same minor version as 0.0.3"),
    (
        "^0.0.3",
        "0.0.4",
        "0.0.4 does not equal 0.0.3. Expect version and constraint to equal when major and minor versions are 0",
    ),
    ("^0.0.3", "0.0.2", "0.0.2 is less than 0.0.3"),
    ("~1", "2.1.2", "2.1.2 does not have same major version as 1"),
    ("~1.x", "2.1.1", "2.1.1 does not have same major version as 1.x"),
    ("~1.2.3", "1.2.2", "1.2.2 is less than 1.2.3"),
    ("~1.2.3", "1.3.2", "1.3.2 does not have same major and minor version as 1.2.3"),
    ("~1.1", "1.2.3", "1.2.3 does not have same major and minor version as 1.1"),
    ("~1.3", "2.4.5", "2.4.5 does not have same major version as 1.3"),
]
MESSAGES = [
    *_MESSAGES_SHARED,
    (
        "> 1.2.3",
        "1.2.3-beta.1",
        "1.2.3-beta.1 is a prerelease version and the constraint is only looking for release versions",
    ),
]
MESSAGES_WITH_PRERELEASES = [
    ("> 1.2.3", "1.2.3-beta.1", "1.2.3-beta.1 is less than or equal to 1.2.3"),
    ("< 1.2.3", "1.2.4-beta.1", "1.2.4-beta.1 is greater than or equal to 1.2.3"),
    (">= 1.2.3", "1.2.3-beta.1", "1.2.3-beta.1 is less than 1.2.3"),
    ("<= 1.2.3", "1.2.4-beta.1", "1.2.4-beta.1 is greater than 1.2.3"),
    *_MESSAGES_SHARED,
]


@pytest.mark.parametrize(("text", "version", "message"), _params(MESSAGES))
def test_first_failure_reason_matches_upstream_wording(text: str, version: str, message: str) -> None:
    assert parse_constraints(text).validate(parse_strict(version))[0] == message


@pytest.mark.parametrize(("text", "version", "message"), _params(MESSAGES_WITH_PRERELEASES))
def test_failure_reason_with_prereleases_requested(text: str, version: str, message: str) -> None:
    assert parse_constraints(text, include_prerelease=True).validate(parse_strict(version))[0] == message


PRINTED = [
    ("*", "*"),
    (">=1.2.3", ">=1.2.3"),
    (">= 1.2.3", ">=1.2.3"),
    ("2.x,   >=1.2.3 || >4.5.6, < 5.7", "2.x >=1.2.3 || >4.5.6 <5.7"),
    ("2.x,   >=1.2.3 || >4.5.6, < 5.7 || >40.50.60, < 50.70", "2.x >=1.2.3 || >4.5.6 <5.7 || >40.50.60 <50.70"),
    ("1.2", "1.2"),
]


@pytest.mark.parametrize(("text", "printed"), _params(PRINTED))
def test_range_prints_normalised_and_reparses(text: str, printed: str) -> None:
    assert str(parse_constraints(text)) == printed
    assert str(parse_constraints(printed)) == printed


MARSHALLED = [
    ("1.2.3", "1.2.3"),
    (">=1.2.3", ">=1.2.3"),
    ("<=1.2.3", "<=1.2.3"),
    ("1 <=1.2.3", "1 <=1.2.3"),
    ("1, <=1.2.3", "1 <=1.2.3"),
    (">1, <=1.2.3", ">1 <=1.2.3"),
    ("> 1 , <=1.2.3", ">1 <=1.2.3"),
]
UNMARSHALLED = [
    ("1.2.3", "1.2.3"),
    (">=1.2.3", ">=1.2.3"),
    ("<=1.2.3", "<=1.2.3"),
    (">1 <=1.2.3", ">1 <=1.2.3"),
    ("> 1 <=1.2.3", ">1 <=1.2.3"),
    (">1, <=1.2.3", ">1 <=1.2.3"),
]


@pytest.mark.parametrize(("text", "printed"), _params(MARSHALLED + UNMARSHALLED))
def test_range_text_round_trip(text: str, printed: str) -> None:
    assert str(parse_constraints(text)) == printed
