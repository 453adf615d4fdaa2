"""Version parsing, printing and ordering, ported case for case from Masterminds/semver v3 version_test.go."""

from __future__ import annotations

import pytest

from reflow.engines.semver import (
    InvalidMetadata,
    InvalidPrerelease,
    InvalidVersion,
    SegmentStartsZero,
    Version,
    parse_strict,
    parse_tag,
    parse_version,
)
from reflow.engines.semver.version import check_metadata, check_prerelease


def _params(rows: list[tuple[object, ...]]) -> list[object]:
    return [pytest.param(*row, id="|".join(repr(part) for part in row)) for row in rows]


STRICT = [
    ("1.2.3", False),
    ("1.2.3-alpha.01", True),
    ("1.2.3+test.01", False),
    ("1.2.3-alpha.-1", False),
    ("v1.2.3", True),
    ("1.0", True),
    ("v1.0", True),
    ("1", True),
    ("v1", True),
    ("1.2", True),
    ("1.2.beta", True),
    ("v1.2.beta", True),
    ("foo", True),
    ("1.2-5", True),
    ("v1.2-5", True),
    ("1.2-beta.5", True),
    ("v1.2-beta.5", True),
    ("\n1.2", True),
    ("\nv1.2", True),
    ("1.2.0-x.Y.0+metadata", False),
    ("v1.2.0-x.Y.0+metadata", True),
    ("1.2.0-x.Y.0+metadata-width-hypen", False),
    ("v1.2.0-x.Y.0+metadata-width-hypen", True),
    ("1.2.3-rc1-with-hypen", False),
    ("v1.2.3-rc1-with-hypen", True),
    ("1.2.3.4", True),
    ("v1.2.3.4", True),
    ("1.2.2147483648", False),
    ("1.2147483648.3", False),
    ("2147483648.3.0", False),
    ("20221209-update-renovatejson-v4", True),
    ("1.1.2+.123", True),
    ("1.0.0-alpha_beta", True),
    ("1.0.0-alpha..", True),
    ("1.0.0-alpha..1", True),
    ("01.1.1", True),
    ("1.01.1", True),
    ("1.1.01", True),
    ("9.8.7+meta+meta", True),
    ("1.2.31----RC-SNAPSHOT.12.09.1--.12+788", True),
    ("1.2.3-0123", True),
    ("1.2.3-0123.0123", True),
    ("+invalid", True),
    ("-invalid", True),
    ("-invalid.01", True),
    ("alpha+beta", True),
    ("1.2.3-alpha_beta+foo", True),
    ("1.0.0-alpha..1", True),
]


@pytest.mark.parametrize(("text", "fails"), _params(STRICT))
def test_strict_parsing_accepts_only_exact_semver(text: str, fails: bool) -> None:
    if fails:
        with pytest.raises(InvalidVersion):
            parse_strict(text)
    else:
        assert str(parse_strict(text)) == text


# Rows shared by the coercing and the non-coercing parser; the last three differ between them.
_LOOSE_COMMON = [
    ("1.2.3", False),
    ("1.2.3-alpha.01", True),
    ("1.2.3+test.01", False),
    ("1.2.3-alpha.-1", False),
    ("v1.2.3", False),
    ("1.0", False),
    ("v1.0", False),
    ("1", False),
    ("v1", False),
    ("1.2.beta", True),
    ("v1.2.beta", True),
    ("foo", True),
    ("1.2-5", False),
    ("v1.2-5", False),
    ("1.2-beta.5", False),
    ("v1.2-beta.5", False),
    ("\n1.2", True),
    ("\nv1.2", True),
    ("1.2.0-x.Y.0+metadata", False),
    ("v1.2.0-x.Y.0+metadata", False),
    ("1.2.0-x.Y.0+metadata-width-hypen", False),
    ("v1.2.0-x.Y.0+metadata-width-hypen", False),
    ("1.2.3-rc1-with-hypen", False),
    ("v1.2.3-rc1-with-hypen", False),
    ("1.2.3.4", True),
    ("v1.2.3.4", True),
    ("1.2.2147483648", False),
    ("1.2147483648.3", False),
    ("2147483648.3.0", False),
    ("12.3.4.1234", True),
    ("12.23.4.1234", True),
    ("12.3.34.1234", True),
    ("20221209-update-renovatejson-v4", False),
    ("1.1.2+.123", True),
    ("1.0.0-alpha_beta", True),
    ("1.0.0-alpha..", True),
    ("1.0.0-alpha..1", True),
    ("9.8.7+meta+meta", True),
    ("1.2.31----RC-SNAPSHOT.12.09.1--.12+788", True),
]
COERCED = [*_LOOSE_COMMON, ("01.1.1", False), ("1.01.1", False), ("1.1.01", False)]
NOT_COERCED = [*_LOOSE_COMMON, ("01.1.1", True), ("1.01.1", True), ("1.1.01", True)]


@pytest.mark.parametrize(("text", "fails"), _params(COERCED))
def test_coercing_parser_accepts_semver_ish_text(text: str, fails: bool) -> None:
    if fails:
        with pytest.raises(InvalidVersion):
            parse_version(text)
    else:
        assert parse_version(text).original == text


@pytest.mark.parametrize(("text", "fails"), _params(NOT_COERCED))
def test_non_coercing_parser_refuses_leading_zeros(text: str, fails: bool) -> None:
    if fails:
        with pytest.raises(InvalidVersion):
            parse_version(text, coerce=False)
    else:
        assert parse_version(text, coerce=False).original == text


DETAILED = [
    ("1.2.3", None),
    ("1.2.3-dev.1", None),
    ("1.2.3+meta", None),
    ("1.2.3-dev.1+meta", None),
    ("1.2.3-dev.1+meta.01", None),
    ("1.2.3-dev..1", InvalidVersion),
    ("1.2.3-dev.01", SegmentStartsZero),
    ("1.2.3-de-v.1", None),
    ("1.02.3", SegmentStartsZero),
    ("01.2.3", SegmentStartsZero),
    ("1.2.03", SegmentStartsZero),
    ("1.2.3-023658", SegmentStartsZero),
]


@pytest.mark.parametrize(("text", "error"), _params(DETAILED))
def test_detailed_errors_name_the_problem(text: str, error: type[InvalidVersion] | None) -> None:
    if error is None:
        parse_version(text, coerce=False)
    else:
        with pytest.raises(InvalidVersion) as raised:
            parse_version(text, coerce=False)
        assert type(raised.value) is error


@pytest.mark.parametrize(("text", "error"), _params(DETAILED))
def test_without_detailed_errors_every_failure_is_generic(text: str, error: type[InvalidVersion] | None) -> None:
    if error is None:
        parse_version(text, coerce=False, detailed_errors=False)
    else:
        with pytest.raises(InvalidVersion) as raised:
            parse_version(text, coerce=False, detailed_errors=False)
        assert type(raised.value) is InvalidVersion


def test_built_versions_print_their_parts() -> None:
    assert str(Version(0, 1, 2)) == "0.1.2"
    assert str(Version(1, 2, 3, "alpha.1", "foo.bar")) == "1.2.3-alpha.1+foo.bar"


ORIGINALS = [
    "1.2.3",
    "v1.2.3",
    "1.0",
    "v1.0",
    "1",
    "v1",
    "1.2-5",
    "v1.2-5",
    "1.2-beta.5",
    "v1.2-beta.5",
    "1.2.0-x.Y.0+metadata",
    "v1.2.0-x.Y.0+metadata",
    "1.2.0-x.Y.0+metadata-width-hypen",
    "v1.2.0-x.Y.0+metadata-width-hypen",
    "1.2.3-rc1-with-hypen",
    "v1.2.3-rc1-with-hypen",
]


@pytest.mark.parametrize("text", ORIGINALS)
def test_parsed_version_keeps_original_text(text: str) -> None:
    assert parse_version(text).original == text


def test_parts_are_split_out() -> None:
    version = parse_version("1.2.3-beta.1+build.123")
    assert (version.major, version.minor, version.patch) == (1, 2, 3)
    assert (version.prerelease, version.metadata) == ("beta.1", "build.123")


COERCED_STRINGS = [
    ("1.2.3", "1.2.3"),
    ("v1.2.3", "1.2.3"),
    ("1.0", "1.0.0"),
    ("v1.0", "1.0.0"),
    ("1", "1.0.0"),
    ("v1", "1.0.0"),
    ("1.2-5", "1.2.0-5"),
    ("v1.2-5", "1.2.0-5"),
    ("1.2-beta.5", "1.2.0-beta.5"),
    ("v1.2-beta.5", "1.2.0-beta.5"),
    ("1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"),
    ("v1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"),
    ("1.2.0-x.Y.0+metadata-width-hypen", "1.2.0-x.Y.0+metadata-width-hypen"),
    ("v1.2.0-x.Y.0+metadata-width-hypen", "1.2.0-x.Y.0+metadata-width-hypen"),
    ("1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"),
    ("v1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"),
]


@pytest.mark.parametrize(("text", "printed"), _params(COERCED_STRINGS))
def test_coerced_version_prints_as_full_semver(text: str, printed: str) -> None:
    assert str(parse_version(text)) == printed


COMPARE = [
    ("1.2.3", "1.5.1", -1),
    ("2.2.3", "1.5.1", 1),
    ("2.2.3", "2.2.2", 1),
    ("3.2-beta", "3.2-beta", 0),
    ("1.3", "1.1.4", 1),
    ("4.2", "4.2-beta", 1),
    ("4.2-beta", "4.2", -1),
    ("4.2-alpha", "4.2-beta", -1),
    ("4.2-alpha", "4.2-alpha", 0),
    ("4.2-beta.2", "4.2-beta.1", 1),
    ("4.2-beta2", "4.2-beta1", 1),
    ("4.2-beta", "4.2-beta.2", -1),
    ("4.2-beta", "4.2-beta.foo", -1),
    ("4.2-beta.2", "4.2-beta", 1),
    ("4.2-beta.foo", "4.2-beta", 1),
    ("1.2+bar", "1.2+baz", 0),
    ("1.0.0-beta.4", "1.0.0-beta.-2", -1),
    ("1.0.0-beta.-2", "1.0.0-beta.-3", -1),
    ("1.0.0-beta.-3", "1.0.0-beta.5", 1),
]


@pytest.mark.parametrize(("left", "right", "expected"), _params(COMPARE))
def test_compare_orders_by_numbers_then_prerelease(left: str, right: str, expected: int) -> None:
    assert parse_version(left).compare(parse_version(right)) == expected


LESS = [("1.2.3", "1.5.1", True), ("2.2.3", "1.5.1", False), ("3.2-beta", "3.2-beta", False)]
LESS_OR_EQUAL = [("1.2.3", "1.5.1", True), ("2.2.3", "1.5.1", False), ("1.5.1", "1.5.1", True)]
GREATER = [
    ("1.2.3", "1.5.1", False),
    ("2.2.3", "1.5.1", True),
    ("3.2-beta", "3.2-beta", False),
    ("3.2.0-beta.1", "3.2.0-beta.5", False),
    ("3.2-beta.4", "3.2-beta.2", True),
    ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.103", False),
    ("7.43.0-SNAPSHOT.FOO", "7.43.0-SNAPSHOT.103", True),
    ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.BAR", False),
]
GREATER_OR_EQUAL = [("1.2.3", "1.5.1", False), ("2.2.3", "1.5.1", True), ("1.5.1", "1.5.1", True)]


@pytest.mark.parametrize(("left", "right", "expected"), _params(LESS))
def test_less_than(left: str, right: str, expected: bool) -> None:
    assert (parse_version(left) < parse_version(right)) is expected


@pytest.mark.parametrize(("left", "right", "expected"), _params(LESS_OR_EQUAL))
def test_less_than_or_equal(left: str, right: str, expected: bool) -> None:
    assert (parse_version(left) <= parse_version(right)) is expected


@pytest.mark.parametrize(("left", "right", "expected"), _params(GREATER))
def test_greater_than(left: str, right: str, expected: bool) -> None:
    assert (parse_version(left) > parse_version(right)) is expected


@pytest.mark.parametrize(("left", "right", "expected"), _params(GREATER_OR_EQUAL))
def test_greater_than_or_equal(left: str, right: str, expected: bool) -> None:
    assert (parse_version(left) >= parse_version(right)) is expected


EQUAL = [
    ("1.2.3", "1.5.1", False),
    ("2.2.3", "1.5.1", False),
    ("3.2-beta", "3.2-beta", True),
    ("3.2-beta+foo", "3.2-beta+bar", True),
    (None, None, True),
    (None, "1.2.3", False),
    ("1.2.3", None, False),
]


@pytest.mark.parametrize(("left", "right", "expected"), _params(EQUAL))
def test_equality_ignores_metadata(left: str | None, right: str | None, expected: bool) -> None:
    mine = None if left is None else parse_version(left)
    theirs = None if right is None else parse_version(right)
    assert (mine == theirs) is expected


INCREMENTS = [
    ("1.2.3", "1.2.4", "patch", "1.2.4"),
    ("v1.2.4", "1.2.5", "patch", "v1.2.5"),
    ("1.2.3", "1.3.0", "minor", "1.3.0"),
    ("v1.2.4", "1.3.0", "minor", "v1.3.0"),
    ("1.2.3", "2.0.0", "major", "2.0.0"),
    ("v1.2.4", "2.0.0", "major", "v2.0.0"),
    ("1.2.3+meta", "1.2.4", "patch", "1.2.4"),
    ("1.2.3-beta+meta", "1.2.3", "patch", "1.2.3"),
    ("v1.2.4-beta+meta", "1.2.4", "patch", "v1.2.4"),
    ("1.2.3-beta+meta", "1.3.0", "minor", "1.3.0"),
    ("v1.2.4-beta+meta", "1.3.0", "minor", "v1.3.0"),
    ("1.2.3-beta+meta", "2.0.0", "major", "2.0.0"),
    ("v1.2.4-beta+meta", "2.0.0", "major", "v2.0.0"),
]


@pytest.mark.parametrize(("text", "expected", "part", "original"), _params(INCREMENTS))
def test_increment_keeps_v_prefix_and_drops_suffixes(text: str, expected: str, part: str, original: str) -> None:
    version = parse_version(text)
    bumped = {"patch": version.next_patch, "minor": version.next_minor, "major": version.next_major}[part]()
    assert (str(bumped), bumped.original) == (expected, original)


SET_PRERELEASE = [
    ("1.2.3", "**", None, InvalidPrerelease),
    ("1.2.3", "beta", ("1.2.3-beta", "beta", "1.2.3-beta"), None),
    ("v1.2.4", "beta", ("1.2.4-beta", "beta", "v1.2.4-beta"), None),
]


@pytest.mark.parametrize(("text", "prerelease", "expected", "error"), _params(SET_PRERELEASE))
def test_set_prerelease(
    text: str, prerelease: str, expected: tuple[str, str, str] | None, error: type[Exception] | None
) -> None:
    version = parse_version(text)
    if error is not None:
        with pytest.raises(error):
            version.with_prerelease(prerelease)
        return
    changed = version.with_prerelease(prerelease)
    assert (str(changed), changed.prerelease, changed.original) == expected


SET_METADATA = [
    ("1.2.3", "**", None, InvalidMetadata),
    ("1.2.3", "meta", ("1.2.3+meta", "meta", "1.2.3+meta"), None),
    ("v1.2.4", "meta", ("1.2.4+meta", "meta", "v1.2.4+meta"), None),
]


@pytest.mark.parametrize(("text", "metadata", "expected", "error"), _params(SET_METADATA))
def test_set_metadata(
    text: str, metadata: str, expected: tuple[str, str, str] | None, error: type[Exception] | None
) -> None:
    version = parse_version(text)
    if error is not None:
        with pytest.raises(error):
            version.with_metadata(metadata)
        return
    changed = version.with_metadata(metadata)
    assert (str(changed), changed.metadata, changed.original) == expected


@pytest.mark.parametrize(("text", "prefix"), [("1.2.3", ""), ("v1.2.4", "v")])
def test_v_prefix_comes_from_the_original_text(text: str, prefix: str) -> None:
    assert parse_version(text).v_prefix == prefix


def test_strict_version_round_trips_through_text() -> None:
    # Stands for the upstream JSON, text and SQL marshalling cases: all of them print and re-parse.
    assert str(parse_strict("1.1.1")) == "1.1.1"
    assert str(parse_version("1.1.1")) == "1.1.1"


PRERELEASES = [
    ("foo", None),
    ("alpha.1", None),
    ("alpha.01", SegmentStartsZero),
    ("foo☃︎", InvalidPrerelease),
    ("alpha.0-1", None),
]


@pytest.mark.parametrize(("prerelease", "error"), _params(PRERELEASES))
def test_prerelease_validation(prerelease: str, error: type[Exception] | None) -> None:
    if error is None:
        check_prerelease(prerelease)
    else:
        with pytest.raises(InvalidVersion) as raised:
            check_prerelease(prerelease)
        assert type(raised.value) is error


METADATA = [
    ("foo", None),
    ("alpha.1", None),
    ("alpha.01", None),
    ("foo☃︎", InvalidMetadata),
    ("alpha.0-1", None),
    ("al-pha.1Phe70CgWe050H9K1mJwRUqTNQXZRERwLOEg37wpXUb4JgzgaD5YkL52ABnoyiE", None),
]


@pytest.mark.parametrize(("metadata", "error"), _params(METADATA))
def test_metadata_validation(metadata: str, error: type[Exception] | None) -> None:
    if error is None:
        check_metadata(metadata)
    else:
        with pytest.raises(InvalidMetadata):
            check_metadata(metadata)


# fluxcd/pkg version_test.go: how Flux's sources read tags.
FLUX_TAGS = [
    ("v1.2.3", False),
    ("v1.0", True),
    ("v1", True),
    ("v1.2.beta", True),
    ("v1.2-5", True),
    ("v1.2-beta.5", True),
    ("\nv1.2", True),
    ("v1.2.0-x.Y.0+metadata", False),
    ("v1.2.0-x.Y.0+metadata-width-hypen", False),
    ("v1.2.3-rc1-with-hypen", False),
    ("v1.2.3.4", True),
]


@pytest.mark.parametrize(("text", "fails"), _params(FLUX_TAGS))
def test_flux_tags_are_exact_semver_with_optional_v(text: str, fails: bool) -> None:
    if fails:
        with pytest.raises(InvalidVersion):
            parse_tag(text)
    else:
        assert parse_tag(text).original == text
