"""Which files the setters read and write: YAML with the token, inside update.path, never through links."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.engines.image.files import UnsafePath, read_marked, update_root, write_updates
from reflow.engines.image.setters import FileUpdate

MARKED = 'image: a:1 # {"$imagepolicy": "ns:p"}\n'


def test_only_marked_yaml_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "deploy.yaml").write_text(MARKED)
    (tmp_path / "apps" / "other.yml").write_text("image: a:1\n")
    (tmp_path / "Kustomization").write_text(MARKED)
    (tmp_path / "notes.txt").write_text(MARKED)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text(MARKED)
    (tmp_path / "latin1.yaml").write_bytes(MARKED.encode() + b"# caf\xe9\n")
    texts, problems = read_marked(tmp_path)
    assert sorted(texts) == ["Kustomization", "apps/deploy.yaml"]
    assert list(problems) == ["latin1.yaml"]


def test_links_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(MARKED)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "linked.yaml").symlink_to(outside / "secret.yaml")
    (repo / "dir").symlink_to(outside)
    assert read_marked(repo) == ({}, {})


@pytest.mark.parametrize("path", ["../", "/etc", "link", "missing"])
def test_update_path_must_be_a_directory_inside_the_checkout(tmp_path: Path, path: str) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafePath, match=r"update\.path"):
        update_root(tmp_path / "repo", path)


def test_write_keeps_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"x: 1\r\n")
    write_updates(tmp_path, [FileUpdate("a.yaml", "x: 2\r\n", ())])
    assert (tmp_path / "a.yaml").read_bytes() == b"x: 2\r\n"
