"""The bucket index: Flux's revision digest, the key checks, and which objects the ignore rules keep."""

from __future__ import annotations

import pytest

from reflow.engines.bucket import UnsafeKey, check_key, index_digest, select
from reflow.engines.sourceignore import default_matcher, read_patterns


@pytest.mark.parametrize(
    ("index", "revision"),
    [
        ({}, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (
            {"a.yaml": "5d41402abc4b2a76b9719d911017c592"},
            "sha256:fdf32ab3ea149ee694218582cf287235f637bd4155aae11f41d7cda55cf3a1b8",
        ),
        # sha256 of "a/x.yaml 1\nb.yaml 2\n": keys sorted whatever order they were listed in
        ({"b.yaml": "2", "a/x.yaml": "1"}, "sha256:bba9512f1c27c8c85b2484fa16765c6b346aa17adf51b30cd4b1c68316b9b5d5"),
        ({"a/x.yaml": "1", "b.yaml": "2"}, "sha256:bba9512f1c27c8c85b2484fa16765c6b346aa17adf51b30cd4b1c68316b9b5d5"),
    ],
)
def test_index_digest_is_flux_revision(index: dict[str, str], revision: str) -> None:
    assert index_digest(index) == revision


def test_a_changed_etag_changes_the_revision() -> None:
    assert index_digest({"a": "1"}) != index_digest({"a": "2"})
    assert index_digest({"a": "1"}) != index_digest({"a": "1", "b": "1"})


@pytest.mark.parametrize(
    ("key", "parts"),
    [("a.yaml", ("a.yaml",)), ("dir/sub/x.yaml", ("dir", "sub", "x.yaml")), ("a//./b", ("a", "b")), ("..a", ("..a",))],
)
def test_plain_keys_pass(key: str, parts: tuple[str, ...]) -> None:
    assert check_key(key) == parts


@pytest.mark.parametrize("key", ["../evil.yaml", "a/../../evil", "/etc/passwd", "a/..", "..", "a\\..\\b", "./"])
def test_keys_that_leave_the_directory_are_refused(key: str) -> None:
    with pytest.raises(UnsafeKey, match="refusing to download"):
        check_key(key)


def test_select_skips_directories_and_ignored_keys_and_refuses_unsafe_ones() -> None:
    matcher = default_matcher(read_patterns("*.txt\n!keep.txt\n"))
    listing = [("dir/", ""), ("a.yaml", "1"), ("notes.txt", "2"), ("keep.txt", "3"), ("sub/b.yaml", "4")]
    assert select(listing, matcher) == {"a.yaml": "1", "keep.txt": "3", "sub/b.yaml": "4"}
    with pytest.raises(UnsafeKey, match=r"'\.\./x\.yaml'"):
        select([*listing, ("../x.yaml", "5")], matcher)
