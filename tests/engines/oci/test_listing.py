"""Which tags `list artifacts` shows, in which order: Flux's byte order, cosign tags hidden, both filters."""

from __future__ import annotations

import pytest

from reflow.engines.oci import InvalidReference, select_tags

TAGS = ["v1.0.0", "1.2.0", "v2.0.0-rc.1", "latest", "1.10.0", "01.02.03", "1.2", "sha256-abc.sig", "v1.0.0.att"]


@pytest.mark.parametrize(
    ("semver", "regex", "expected"),
    [
        pytest.param(
            None,
            None,
            ["v2.0.0-rc.1", "v1.0.0", "latest", "1.2.0", "1.2", "1.10.0", "01.02.03"],
            id="names-greatest-first-without-cosign-tags",
        ),
        pytest.param(">=1.0.0", None, ["v1.0.0", "1.2.0", "1.10.0", "01.02.03"], id="semver-three-parts-v-and-zeros"),
        pytest.param(">=2.0.0-0", None, ["v2.0.0-rc.1"], id="semver-prerelease-when-the-range-names-one"),
        pytest.param(None, "^v", ["v2.0.0-rc.1", "v1.0.0"], id="regex-anchored"),
        pytest.param(None, r"\.0$", ["v1.0.0", "1.2.0", "1.10.0"], id="regex-finds-anywhere"),
        pytest.param("~1", "^1", ["1.2.0", "1.10.0"], id="both-filters"),
        pytest.param(">=5.0.0", None, [], id="nothing-in-range"),
    ],
)
def test_select_tags(semver: str | None, regex: str | None, expected: list[str]) -> None:
    assert select_tags(TAGS, semver=semver, regex=regex) == expected


@pytest.mark.parametrize(
    ("semver", "regex", "message"),
    [
        pytest.param("not a range", None, "semver 'not a range' parse error", id="semver"),
        pytest.param(None, "(", "regex '(' parse error", id="regex"),
    ],
)
def test_select_tags_names_a_filter_that_does_not_parse(semver: str | None, regex: str | None, message: str) -> None:
    with pytest.raises(InvalidReference, match=message.replace("(", r"\(")):
        select_tags(TAGS, semver=semver, regex=regex)
