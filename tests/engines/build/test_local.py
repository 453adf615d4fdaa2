"""Local builds copy what the kustomizations refer to, inside the git work tree (else the filesystem)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from reflow.engines.build import PathOutsideArtifact
from reflow.engines.build.local import FILESYSTEM_ROOT, boundary, copy_local

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"


def tree(root: Path, *, git: bool = False) -> Path:
    """bases/app, an unrelated directory, and overlays/dev referring to the base; a git work tree if `git`."""
    for name in ("bases/app", "unrelated", "overlays/dev"):
        (root / name).mkdir(parents=True)
    (root / "bases/app/cm.yaml").write_text(CONFIGMAP)
    (root / "bases/app/kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    (root / "unrelated/big.bin").write_bytes(b"\0" * 1024)
    (root / "overlays/dev/kustomization.yaml").write_text("resources:\n- ../../bases/app\n")
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root / "overlays/dev"


async def test_outside_a_work_tree_the_boundary_is_the_filesystem_root(tmp_path: Path) -> None:
    overlay = tree(tmp_path / "plain")
    top = await boundary(overlay)
    assert top == FILESYSTEM_ROOT
    copied = copy_local(overlay, top, tmp_path / "copy")
    assert copied.path == str(overlay.resolve()).lstrip("/")
    base = copied.root / copied.path / "../../bases/app/cm.yaml"
    assert base.read_text() == CONFIGMAP
    assert not (copied.root / copied.path / "../../unrelated").exists(), "only what is referred to is copied"


async def test_in_a_work_tree_git_is_left_out_and_links_point_into_the_copy(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    overlay = tree(repo, git=True)
    (overlay / "cm.yaml").symlink_to(repo / "bases/app/cm.yaml")
    top = await boundary(overlay)
    assert top == repo.resolve()
    copied = copy_local(overlay, top, tmp_path / "copy")
    assert copied.path == "overlays/dev"
    assert sorted(os.listdir(copied.root)) == ["bases", "overlays"]
    link = copied.root / "overlays/dev/cm.yaml"
    assert not os.path.isabs(os.readlink(link))
    assert link.resolve() == (copied.root / "bases/app/cm.yaml").resolve()


async def test_reference_out_of_the_work_tree_is_refused_before_copying(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    overlay = tree(repo, git=True)
    (overlay / "kustomization.yaml").write_text("resources:\n- ../../../outside\n")
    with pytest.raises(PathOutsideArtifact, match=r"'\.\./\.\./\.\./outside' leads outside"):
        copy_local(overlay, await boundary(overlay), tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
