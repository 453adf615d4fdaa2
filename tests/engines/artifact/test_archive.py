"""Artifact tarballs: member list shaped by ignore rules, normalised headers, reproducible bytes."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from reflow.engines.artifact import artifact_matcher, file_digest, write_tarball


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def _build(source: Path, ignore: str | None = None) -> bytes:
    out = io.BytesIO()
    write_tarball(source, out, artifact_matcher(source, ignore))
    return out.getvalue()


def _members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.getmembers()


TREE = {
    "deploy/app.yaml": "kind: Deployment\n",
    "deploy/logo.png": "png",
    "deploy/.sourceignore": "*.md\n",
    "deploy/notes.md": "notes\n",
    "README.md": "readme\n",
    ".github/workflows/ci.yaml": "on: push\n",
    ".git/config": "[core]\n",
    ".gitignore": "x\n",
    "secret/key.txt": "k\n",
    "run.sh": "#!/bin/sh\n",
}


@pytest.mark.parametrize(
    ("ignore", "expected"),
    [
        pytest.param(
            "secret/\n",
            [
                *("README.md", "deploy", "deploy/.sourceignore", "deploy/app.yaml", "deploy/logo.png", "run.sh"),
                *(".github", ".github/workflows", ".github/workflows/ci.yaml"),
            ],
            id="own-patterns-drop-the-defaults-keep-vcs",
        ),
        pytest.param(
            "/*\n!/deploy\n!/run.sh\n",
            ["deploy", "deploy/.sourceignore", "deploy/app.yaml", "deploy/logo.png", "deploy/notes.md", "run.sh"],
            id="spec-ignore-comes-last-and-overrules-sourceignore",
        ),
    ],
)
def test_ignore_rules_shape_the_member_list(tmp_path: Path, ignore: str, expected: list[str]) -> None:
    source = _tree(tmp_path / "src", TREE)
    names = [member.name for member in _members(_build(source, ignore))]
    assert sorted(names) == sorted(expected)
    assert names == sorted(names, key=lambda name: name.split("/"))


def test_without_any_patterns_flux_defaults_apply(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", {key: value for key, value in TREE.items() if ".sourceignore" not in key})
    names = [member.name for member in _members(_build(source))]
    assert names == ["README.md", "deploy", "deploy/app.yaml", "deploy/notes.md", "run.sh", "secret", "secret/key.txt"]


def test_headers_are_normalised_and_content_is_exact(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", {"deploy/app.yaml": "kind: Deployment\n", "run.sh": "#!/bin/sh\n"})
    (source / "run.sh").chmod(0o755)
    (source / "deploy/app.yaml").chmod(0o644)
    data = _build(source)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = {member.name: member for member in tar.getmembers()}
        assert tar.extractfile("deploy/app.yaml").read() == b"kind: Deployment\n"  # type: ignore[union-attr]
    assert {name: (m.mode, m.uid, m.gid, m.uname, m.gname, m.mtime) for name, m in members.items()} == {
        "deploy": (0o750, 0, 0, "", "", 0),
        "deploy/app.yaml": (0o600, 0, 0, "", "", 0),
        "run.sh": (0o700, 0, 0, "", "", 0),
    }
    assert members["deploy"].isdir()
    assert gzip.decompress(data)[:8] == b"deploy/\0"  # no "./" prefix, no root entry


def test_same_content_gives_the_same_bytes_and_digest(tmp_path: Path) -> None:
    first = _tree(tmp_path / "one", {"a/b.yaml": "b\n", "c.yaml": "c\n"})
    second = _tree(tmp_path / "two", {"c.yaml": "c\n", "a/b.yaml": "b\n"})
    os.utime(second / "c.yaml", (1, 1))
    (second / "a").chmod(0o700)
    target = tmp_path / "one.tar.gz"
    with target.open("wb") as out:
        archived = write_tarball(first, out, artifact_matcher(first))
    assert _build(first) == _build(second)
    assert archived.digest == file_digest(target)
    assert archived.size == target.stat().st_size
    assert archived.digest.startswith("sha256:")


def test_symlinks_are_left_out(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", {"a.yaml": "a\n", "sub/b.yaml": "b\n"})
    (source / "escape").symlink_to("/etc/passwd")
    (source / "up").symlink_to("..")
    (source / "inside").symlink_to("sub")
    assert [member.name for member in _members(_build(source))] == ["a.yaml", "sub", "sub/b.yaml"]
