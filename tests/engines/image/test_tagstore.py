"""The tag store: atomic per-repository files, unchanged lists write nothing, removal forgets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.engines.image.tagstore import StoredTags, TagStore


def test_written_tags_read_back_and_an_unchanged_list_writes_nothing(tmp_path: Path) -> None:
    store = TagStore(tmp_path)
    assert store.read("ns", "app") is None
    assert store.write("ns", "app", "docker.io/library/app", ["1.0.0", "1.1.0"])
    file = tmp_path / "imagerepository/ns/app/tags.json"
    written = file.stat().st_mtime_ns
    assert not store.write("ns", "app", "docker.io/library/app", ["1.0.0", "1.1.0"])
    assert file.stat().st_mtime_ns == written
    assert store.read("ns", "app") == StoredTags("docker.io/library/app", ("1.0.0", "1.1.0"))
    assert TagStore(tmp_path).read("ns", "app") == store.read("ns", "app"), "survives a new store (a restart)"


def test_revision_is_stable_across_order() -> None:
    assert StoredTags("x", ("a", "b")).revision == StoredTags("x", ("b", "a")).revision
    assert StoredTags("x", ("a",)).revision != StoredTags("x", ("a", "b")).revision


def test_remove_forgets_the_repository(tmp_path: Path) -> None:
    store = TagStore(tmp_path)
    store.write("ns", "app", "x", ["1"])
    store.remove("ns", "app")
    assert store.read("ns", "app") is None
    assert not (tmp_path / "imagerepository/ns/app").exists()


@pytest.mark.parametrize("name", ["..", "a/b", ""])
def test_names_cannot_leave_the_store(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid object name"):
        TagStore(tmp_path).write("ns", name, "x", ["1"])
