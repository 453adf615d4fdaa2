"""Which artifact `spec.ref` means (Flux's precedence), layer selection, and revisions as Flux writes them."""

from __future__ import annotations

import json

import pytest

from reflow.engines.oci import (
    InvalidReference,
    LayerFailed,
    ReferenceNotFound,
    RefSpec,
    Repository,
    candidate_schemes,
    digest_of,
    fixed_reference,
    next_link,
    parse_manifest,
    revision,
    select_layer,
    semver_reference,
)
from reflow.engines.oci.resolve import HELM_CHART_LAYER

REPO = Repository("127.0.0.1:5000", "app")
DIGEST = "sha256:" + "b" * 64
TAGS = ["v1.0.0", "v1.2.0", "v2.0.0-rc.1", "1.3.0", "latest", "v1.10.0-alpha"]


@pytest.mark.parametrize(
    ("ref", "tag", "digest"),
    [
        pytest.param(RefSpec(), "latest", None, id="default-latest"),
        pytest.param(RefSpec(tag="v1"), "v1", None, id="tag"),
        pytest.param(RefSpec(tag="v1", digest=DIGEST), None, DIGEST, id="digest-over-tag"),
        pytest.param(RefSpec(semver=">=1", tag="v1", digest=DIGEST), None, DIGEST, id="digest-over-semver"),
    ],
)
def test_fixed_references_follow_flux_precedence(ref: RefSpec, tag: str | None, digest: str | None) -> None:
    reference = fixed_reference(REPO, ref)
    assert reference is not None
    assert (reference.tag, reference.digest) == (tag, digest)


def test_semver_wins_over_tag_and_needs_the_tag_list() -> None:
    ref = RefSpec(semver=">=1.0.0", tag="v1.0.0")
    assert fixed_reference(REPO, ref) is None
    assert ref.needs_tags


@pytest.mark.parametrize(
    ("semver", "semver_filter", "tag"),
    [
        pytest.param(">=1.0.0", None, "1.3.0", id="highest-release"),
        pytest.param(">=1.0.0-0", None, "v2.0.0-rc.1", id="prerelease-with-dash-zero"),
        pytest.param("1.x", "^v", "v1.2.0", id="filter-first"),
        pytest.param("~1.3", None, "1.3.0", id="tilde"),
    ],
)
def test_semver_picks_the_newest_tag_in_range(semver: str, semver_filter: str | None, tag: str) -> None:
    reference = semver_reference(REPO, RefSpec(semver=semver, semver_filter=semver_filter), TAGS, None)
    assert reference.tag == tag


def test_helm_chart_tags_use_underscore_for_plus() -> None:
    reference = semver_reference(REPO, RefSpec(semver=">=1.0.0"), ["1.0.0_abc", "0.9.0"], HELM_CHART_LAYER)
    assert reference.tag == "1.0.0_abc"


def test_no_match_and_bad_ranges_are_clear() -> None:
    with pytest.raises(ReferenceNotFound, match=r"no match found for semver: >=9\.0\.0"):
        semver_reference(REPO, RefSpec(semver=">=9.0.0"), TAGS, None)
    with pytest.raises(InvalidReference, match="semver 'not a range' parse error"):
        semver_reference(REPO, RefSpec(semver="not a range"), TAGS, None)
    with pytest.raises(InvalidReference, match="semverFilter '\\(' is not a valid regular expression"):
        semver_reference(REPO, RefSpec(semver="*", semver_filter="("), TAGS, None)


def test_revisions_as_flux_writes_them() -> None:
    tagged = fixed_reference(REPO, RefSpec(tag="v1"))
    pinned = fixed_reference(REPO, RefSpec(digest=DIGEST))
    assert tagged is not None
    assert pinned is not None
    assert revision(tagged, DIGEST) == f"v1@{DIGEST}"
    assert revision(pinned, DIGEST) == DIGEST
    assert digest_of(f"v1@{DIGEST}") == digest_of(DIGEST) == DIGEST


def manifest(*media_types: str) -> bytes:
    layers = [{"mediaType": m, "digest": f"sha256:{str(i) * 64}", "size": i + 1} for i, m in enumerate(media_types)]
    return json.dumps(
        {"schemaVersion": 2, "config": {"mediaType": "c", "digest": DIGEST, "size": 2}, "layers": layers}
    ).encode()


def test_layer_selection_defaults_to_the_first_and_matches_media_types() -> None:
    parsed = parse_manifest(manifest("a", "b", "b"))
    assert select_layer(parsed, None).media_type == "a"
    assert select_layer(parsed, "b").digest == "sha256:" + "1" * 64
    with pytest.raises(LayerFailed, match="failed to find layer with media type 'x' in artifact \\(it has: a, b\\)"):
        select_layer(parsed, "x")
    with pytest.raises(LayerFailed, match="no layers found in artifact"):
        select_layer(parse_manifest(manifest()), None)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            '</v2/a/tags/list?last=t2&n=2>; rel="next"', "https://r.io/v2/a/tags/list?last=t2&n=2", id="relative"
        ),
        pytest.param(
            "<https://other.io/v2/a/tags/list?last=x>; rel=next",
            "https://other.io/v2/a/tags/list?last=x",
            id="absolute",
        ),
        pytest.param('</v2/a/tags/list?last=t2>; rel="prev"', None, id="not-next"),
        pytest.param("", None, id="none"),
    ],
)
def test_the_next_page_of_tags_comes_from_the_link_header(header: str, expected: str | None) -> None:
    assert next_link(header, "https://r.io/v2/a/tags/list?n=2") == expected


@pytest.mark.parametrize(
    ("known", "fallback", "expected"),
    [
        pytest.param(None, False, ["https"], id="strict"),
        pytest.param(None, True, ["https", "http"], id="insecure-or-loopback-tries-both"),
        pytest.param("https", True, ["https"], id="known-https"),
        pytest.param("http", True, ["http"], id="known-http-allowed"),
        pytest.param("http", False, ["https"], id="no-downgrade-from-another-source"),
    ],
)
def test_a_remembered_plain_http_answer_never_downgrades_a_strict_source(
    known: str | None, fallback: bool, expected: list[str]
) -> None:
    assert candidate_schemes(known, fallback=fallback) == expected
