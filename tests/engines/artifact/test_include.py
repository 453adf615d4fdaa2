"""`spec.include` copies: paths inside the tree only, and never through a symbolic link on either side."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.engines.artifact import UnsafeInclude, copy_include, include_parts


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        pytest.param("vendor/shared", ("vendor", "shared"), id="plain"),
        pytest.param("./lib/", ("lib",), id="dot-and-slash"),
        pytest.param("/lib", ("lib",), id="absolute-is-the-tree-root"),
        pytest.param("a/../b", ("b",), id="dots-inside"),
        pytest.param(".", (), id="root"),
    ],
)
def test_include_parts(path: str, parts: tuple[str, ...]) -> None:
    assert include_parts(path) == parts


@pytest.mark.parametrize("path", ["..", "../x", "a/../../x"])
def test_include_parts_refuse_leaving_the_tree(path: str) -> None:
    with pytest.raises(ValueError, match="points outside the repository"):
        include_parts(path)


def _trees(tmp_path: Path) -> tuple[Path, Path, Path]:
    source, target, outside = tmp_path / "unpacked", tmp_path / "checkout", tmp_path / "outside"
    for directory in (source / "lib/sub", target, outside):
        directory.mkdir(parents=True)
    (source / "lib/top.yaml").write_text("top\n")
    (source / "lib/sub/x.yaml").write_text("x\n")
    return source, target, outside


def test_the_subtree_is_merged_into_the_target(tmp_path: Path) -> None:
    source, target, _ = _trees(tmp_path)
    (target / "vendor").mkdir()
    (target / "vendor/own.yaml").write_text("own\n")
    assert copy_include(source, ("lib",), target, ("vendor",)) == 2
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*")) == [
        "vendor", "vendor/own.yaml", "vendor/sub", "vendor/sub/x.yaml", "vendor/top.yaml",
    ]  # fmt: skip


def test_a_file_as_from_path_takes_the_to_path_name(tmp_path: Path) -> None:
    source, target, _ = _trees(tmp_path)
    assert copy_include(source, ("lib", "top.yaml"), target, ("config", "top.yaml")) == 1
    assert (target / "config/top.yaml").read_text() == "top\n"


@pytest.mark.parametrize(
    ("link", "to_parts", "message"),
    [
        pytest.param("evil", ("evil", "x"), "'evil' in the repository is a symbolic link", id="on-the-to-path"),
        pytest.param("vendor/sub", ("vendor",), "'vendor/sub' in the repository is a symbolic link", id="inside"),
        pytest.param("vendor/top.yaml", ("vendor",), "'vendor/top.yaml' in the repository is a link", id="file-link"),
    ],
)
def test_a_link_in_the_checkout_is_refused_and_nothing_lands_outside(
    tmp_path: Path, link: str, to_parts: tuple[str, ...], message: str
) -> None:
    source, target, outside = _trees(tmp_path)
    (target / link).parent.mkdir(parents=True, exist_ok=True)
    (target / link).symlink_to(outside)
    with pytest.raises(UnsafeInclude, match=message):
        copy_include(source, ("lib",), target, to_parts)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    ("link", "from_parts", "message"),
    [
        pytest.param("lib", ("lib",), "'lib' in the included artifact is a symbolic link", id="on-the-from-path"),
        pytest.param("lib/sub/more", ("lib",), "'lib/sub/more' in the included artifact is a link", id="inside"),
    ],
)
def test_a_link_in_the_included_tree_is_refused(
    tmp_path: Path, link: str, from_parts: tuple[str, ...], message: str
) -> None:
    source, target, outside = _trees(tmp_path)
    (outside / "secret").write_text("host secret\n")
    if link == "lib":
        (source / "lib").rename(source / "real")
    (source / link).symlink_to(outside)
    with pytest.raises(UnsafeInclude, match=message):
        copy_include(source, from_parts, target, ("vendor",))
    assert not any(path.name == "secret" for path in target.rglob("*"))
