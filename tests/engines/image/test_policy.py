"""ImagePolicy tag selection: SemVer ranges, alphabetical and numerical order, filterTags with extract."""

from __future__ import annotations

import re

import pytest

from reflow.api.image import ImagePolicyChoice, OrderPolicy, SemVerPolicy, TagFilter
from reflow.engines.image.extract import expand, filter_tags
from reflow.engines.image.policy import InvalidPolicy, NoTagSelected, select_latest


def semver(text: str) -> ImagePolicyChoice:
    return ImagePolicyChoice(semver=SemVerPolicy(text))


def alphabetical(order: str = "asc") -> ImagePolicyChoice:
    return ImagePolicyChoice(alphabetical=OrderPolicy(order))  # type: ignore[arg-type]


def numerical(order: str = "asc") -> ImagePolicyChoice:
    return ImagePolicyChoice(numerical=OrderPolicy(order))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tags", "policy", "expected"),
    [
        pytest.param(["1.0.0", "1.1.0", "2.0.0-rc.1"], semver(">=1.0.0 <2.0.0"), "1.1.0", id="semver-skips-prerelease"),
        pytest.param(["1.0.0", "2.0.0-rc.1"], semver(">=1.0.0-0"), "2.0.0-rc.1", id="semver-prerelease-when-asked"),
        pytest.param(["v1.2.3", "1.2.2", "latest", "1.2"], semver("1.2.x"), "v1.2.3", id="semver-v-prefix-kept"),
        pytest.param(["5.0.3", "5.1.0", "5.1.1", "6.0.0"], semver("5.1.x"), "5.1.1", id="semver-wildcard"),
        pytest.param(["a", "c", "b"], alphabetical(), "c", id="alphabetical-asc-picks-last"),
        pytest.param(["a", "c", "b"], alphabetical("desc"), "a", id="alphabetical-desc-picks-first"),
        pytest.param(
            ["RELEASE.2023-01-31", "RELEASE.2023-02-01"], alphabetical(), "RELEASE.2023-02-01", id="alpha-dates"
        ),
        pytest.param(["1", "10", "9", "2.5"], numerical(), "10", id="numerical-asc-largest"),
        pytest.param(["1", "10", "9", "-2.5"], numerical("desc"), "-2.5", id="numerical-desc-smallest"),
        pytest.param(["1e3", "999"], numerical(), "1e3", id="numerical-exponent"),
    ],
)
def test_policy_selects_the_latest_tag(tags: list[str], policy: ImagePolicyChoice, expected: str) -> None:
    assert select_latest(tags, policy).tag == expected


def test_timestamped_tags_with_extract_pick_the_newest_and_report_the_original_tag() -> None:
    tags = ["main-3f2a1b0-1700000100", "main-9c8d7e6-1700000300", "main-1a2b3c4-1700000200", "pr-77-1700000900"]
    found = select_latest(tags, numerical(), TagFilter(pattern=r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", extract="$ts"))
    assert (found.tag, found.compared) == ("main-9c8d7e6-1700000300", "1700000300")


def test_extract_then_semver_compares_the_extracted_version() -> None:
    tags = ["app-v1.2.0-build", "app-v1.10.0-build", "other-v9.0.0"]
    found = select_latest(tags, semver(">=1.0.0"), TagFilter(pattern=r"^app-v(\d+\.\d+\.\d+)-build$", extract="${1}"))
    assert found.tag == "app-v1.10.0-build"


def test_pattern_without_extract_only_filters() -> None:
    assert select_latest(["dev-3", "prod-1", "prod-2"], alphabetical(), TagFilter(pattern="^prod-")).tag == "prod-2"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("$ts", "1700", id="named"),
        pytest.param("${ts}", "1700", id="braced-named"),
        pytest.param("$1-$2", "abc-1700", id="numbered"),
        pytest.param("$1x", "", id="name-runs-on-so-1x-is-no-group"),
        pytest.param("${1}x", "abcx", id="braces-end-the-name"),
        pytest.param("$$1", "$1", id="double-dollar-is-literal"),
        pytest.param("$9", "", id="missing-group-is-empty"),
        pytest.param("$nope", "", id="unknown-name-is-empty"),
        pytest.param("a$-b", "a$-b", id="malformed-dollar-stays"),
        pytest.param("${ts", "${ts", id="unclosed-brace-stays"),
        pytest.param("$01", "", id="leading-zero-is-a-name"),
    ],
)
def test_expand_follows_go_regexp_expand(template: str, expected: str) -> None:
    groups: list[str | None] = ["abc-1700", "abc", "1700"]
    assert expand(template, groups, {"sha": 1, "ts": 2}) == expected


def test_equal_extracted_values_keep_the_later_tag() -> None:
    assert filter_tags(["a-1", "b-1"], r"-(\d)$", "$1").originals == {"1": "b-1"}


def test_semver_range_matching_nothing_says_why() -> None:
    with pytest.raises(NoTagSelected, match=r"none of the 2 tags is a version in the range '>=3.0.0'"):
        select_latest(["1.0.0", "2.0.0-rc.1"], semver(">=3.0.0"))


def test_filter_matching_nothing_says_why() -> None:
    with pytest.raises(NoTagSelected, match=re.escape("none of the 2 tags matches the filterTags pattern '^release-'")):
        select_latest(["1.0.0", "2.0.0"], alphabetical(), TagFilter(pattern="^release-"))


def test_empty_repository_says_it_has_no_tags() -> None:
    with pytest.raises(NoTagSelected, match="no tags"):
        select_latest([], alphabetical())


@pytest.mark.parametrize("tag", ["latest", "1_000", " 7", "0x10"])
def test_numerical_over_a_non_numeric_tag_is_a_clear_error(tag: str) -> None:
    with pytest.raises(NoTagSelected, match=f"failed to parse invalid numeric value '{tag}'"):
        select_latest(["1", tag], numerical())


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param("^(main-", id="unbalanced"),
        pytest.param(r"(a)\1", id="backreference-go-refuses"),
        pytest.param("(?=x)y", id="lookahead-go-refuses"),
    ],
)
def test_pattern_go_refuses_is_an_invalid_policy(pattern: str) -> None:
    with pytest.raises(InvalidPolicy, match=re.escape(f"invalid regular expression pattern '{pattern}'")):
        select_latest(["x"], alphabetical(), TagFilter(pattern=pattern))


def test_unparsable_range_is_an_invalid_policy() -> None:
    with pytest.raises(InvalidPolicy, match="semver range 'not a range'"):
        select_latest(["1.0.0"], semver("not a range"))


def test_policy_without_a_rule_is_invalid() -> None:
    with pytest.raises(InvalidPolicy, match="set one of"):
        select_latest(["1.0.0"], ImagePolicyChoice())
