"""`--resolve-symlinks`: a copy of the source with links replaced by their targets, cycles cut, broken links named."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.engines.oci import resolve_symlinks


def _files(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): path.read_text() for path in sorted(root.rglob("*")) if path.is_file()}


def test_links_to_files_and_folders_outside_become_copies(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "base").mkdir(parents=True)
    (store / "base" / "deploy.yaml").write_text("kind: Deployment\n")
    (store / "app.yaml").write_text("kind: ConfigMap\n")
    (store / "app.yaml").chmod(0o640)
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.yaml").symlink_to(store / "app.yaml")
    (source / "base").symlink_to(store / "base")
    (source / "own.yaml").write_text("kind: Service\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    staged = resolve_symlinks(source, scratch)

    assert staged == scratch
    assert _files(staged) == {
        "app.yaml": "kind: ConfigMap\n",
        "base/deploy.yaml": "kind: Deployment\n",
        "own.yaml": "kind: Service\n",
    }
    assert not any(path.is_symlink() for path in staged.rglob("*"))
    assert (staged / "app.yaml").stat().st_mode & 0o777 == 0o640


def test_a_link_back_to_an_ancestor_becomes_an_empty_folder(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "a.yaml").write_text("a")
    (source / "sub" / "loop").symlink_to(source)
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    staged = resolve_symlinks(source, scratch)

    assert _files(staged) == {"sub/a.yaml": "a"}
    assert (staged / "sub" / "loop").is_dir()
    assert not any((staged / "sub" / "loop").iterdir())


def test_a_single_linked_file_keeps_its_name(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("kind: List\n")
    (tmp_path / "named.yaml").symlink_to(tmp_path / "real.yaml")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    staged = resolve_symlinks(tmp_path / "named.yaml", scratch)
    assert staged == scratch / "named.yaml"
    assert staged.read_text() == "kind: List\n"


def test_a_link_to_nothing_is_named(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "gone.yaml").symlink_to(tmp_path / "missing.yaml")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(OSError, match=r"cannot resolve the link '.*gone\.yaml'"):
        resolve_symlinks(source, scratch)
