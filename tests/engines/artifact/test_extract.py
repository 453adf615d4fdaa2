"""Safe extraction: nothing lands outside the directory, and size and count limits stop bombs."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from reflow.api.source import GitRepositoryRef
from reflow.engines.artifact import (
    ArchiveTooLarge,
    ExtractLimits,
    Storage,
    UnsafeArchive,
    artifact_path,
    extract_into,
    extract_tarball,
)
from reflow.engines.git import Credentials, checkout, resolve_remote
from tests.gitservers import GitHttpServer, Repo

Member = tuple[str, str, bytes | str]  # (kind, name, content or link target)


def _tarball(path: Path, members: list[Member]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for kind, name, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                assert isinstance(payload, bytes)
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = str(payload)
                tar.addfile(info)
    return path


def _everything(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        pytest.param([("file", "../outside.txt", b"x")], "'..'", id="parent-traversal"),
        pytest.param([("file", "a/../../outside.txt", b"x")], "'..'", id="nested-traversal"),
        pytest.param([("file", "/tmp/outside.txt", b"x")], "absolute", id="absolute-path"),
        pytest.param([("symlink", "link", "../outside")], "outside", id="symlink-out"),
        pytest.param([("symlink", "link", "/etc")], "absolute", id="symlink-absolute"),
        pytest.param([("symlink", "d", "sub/../.."), ("file", "d/outside.txt", b"x")], "outside", id="symlink-dots"),
        pytest.param([("hardlink", "hard", "../outside.txt")], "'..'", id="hardlink-out"),
    ],
)
def test_members_that_escape_are_refused_and_nothing_is_written(
    tmp_path: Path, members: list[Member], message: str
) -> None:
    sandbox = tmp_path / "sandbox"
    destination = sandbox / "out"
    archive = _tarball(tmp_path / "bad.tar.gz", [("file", "ok.txt", b"fine"), *members])
    with pytest.raises(UnsafeArchive, match=message):
        extract_tarball(archive, destination)
    assert _everything(sandbox) == {"out"}
    assert not (tmp_path / "outside.txt").exists()


def test_links_inside_the_directory_are_kept(tmp_path: Path) -> None:
    archive = _tarball(
        tmp_path / "ok.tar.gz",
        [
            ("dir", "sub", b""),
            ("file", "sub/a.txt", b"a"),
            ("symlink", "link", "sub/a.txt"),
            ("hardlink", "hard", "sub/a.txt"),
        ],
    )
    extracted = extract_tarball(archive, tmp_path / "out")
    assert (tmp_path / "out/link").read_bytes() == b"a"
    assert (tmp_path / "out/hard").read_bytes() == b"a"
    assert (extracted.files, extracted.size) == (4, 1)


def test_parents_without_entries_are_created_inside_the_directory(tmp_path: Path) -> None:
    """`helm package` writes no directory entries; the parents are made, each checked before use."""
    archive = _tarball(tmp_path / "chart.tgz", [("file", "podinfo/templates/a.yaml", b"a"), ("symlink", "l", "."),
                                                ("file", "l/deep/x", b"x")])  # fmt: skip
    extract_tarball(archive, tmp_path / "out")
    assert (tmp_path / "out/podinfo/templates/a.yaml").read_bytes() == b"a"
    assert (tmp_path / "out/deep/x").read_bytes() == b"x"
    assert _everything(tmp_path) == {"chart.tgz", "out", "out/podinfo", "out/podinfo/templates",
                                     "out/podinfo/templates/a.yaml", "out/l", "out/deep", "out/deep/x"}  # fmt: skip


def test_a_link_cannot_redirect_a_later_member(tmp_path: Path) -> None:
    outside = tmp_path / "victim"
    outside.mkdir()
    archive = _tarball(tmp_path / "bad.tar.gz", [("symlink", "sub", "."), ("file", "sub/x", b"x")])
    extracted = extract_tarball(archive, tmp_path / "out")
    assert (tmp_path / "out/x").read_bytes() == b"x"
    assert extracted.files == 2
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    ("members", "limits"),
    [
        pytest.param([("file", "big.bin", b"\0" * 5000)], ExtractLimits(max_size=4096), id="oversized-file"),
        pytest.param(
            [("file", f"f{index}", b"") for index in range(20)], ExtractLimits(max_files=10), id="too-many-files"
        ),
        pytest.param(
            [("file", "a", b"\0" * 3000), ("file", "b", b"\0" * 3000)], ExtractLimits(max_size=4096), id="sum-too-big"
        ),
    ],
)
def test_limits_stop_bombs_and_leave_nothing_behind(
    tmp_path: Path, members: list[Member], limits: ExtractLimits
) -> None:
    archive = _tarball(tmp_path / "bomb.tar.gz", members)
    with pytest.raises(ArchiveTooLarge):
        extract_tarball(archive, tmp_path / "out", limits)
    assert list((tmp_path / "out").iterdir()) == []


def test_gzip_bomb_is_stopped_while_decompressing(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("zeros")
        info.size = 64 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    assert archive.stat().st_size < 1 << 20
    with pytest.raises(ArchiveTooLarge):
        extract_tarball(archive, tmp_path / "out", ExtractLimits(max_size=1 << 20))


def test_not_a_tarball(tmp_path: Path) -> None:
    (tmp_path / "x.tar.gz").write_bytes(b"definitely not gzip")
    with pytest.raises(UnsafeArchive, match="not a valid"):
        extract_tarball(tmp_path / "x.tar.gz", tmp_path / "out")


async def test_repository_with_an_outward_symlink_and_a_big_file_stays_contained(
    git_http: GitHttpServer, make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.symlink("escape", "../../../../etc")
    repo.symlink("passwd", "/etc/passwd")
    repo.commit({"app.yaml": "kind: ConfigMap\n", "big.bin": b"\0" * (2 << 20)}, "symlinks and a big file")
    credentials = Credentials(username=git_http.username, password=git_http.password)
    url = git_http.url(repo.bare.name)
    done = await checkout(
        url, await resolve_remote(url, GitRepositoryRef(branch="main"), credentials), tmp_path / "co", credentials
    )
    storage = Storage(tmp_path / "data", "127.0.0.1:9090")
    artifact = await storage.archive(
        artifact_path("GitRepository", "ns", "r", f"{done.commit}.tar.gz"), done.path, done.revision
    )
    archive = storage.local_path(artifact.path)
    extracted = extract_tarball(archive, tmp_path / "small", ExtractLimits(max_size=10 << 20))
    assert _everything(extracted.path) == {"app.yaml", "big.bin"}
    with pytest.raises(ArchiveTooLarge):
        extract_tarball(archive, tmp_path / "tight", ExtractLimits(max_size=1 << 20))
    assert list((tmp_path / "tight").iterdir()) == []


def test_a_link_that_points_out_only_once_a_later_link_exists_is_refused(tmp_path: Path) -> None:
    sandbox = tmp_path / "sandbox"
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text("root:x:0:0\n")
    archive = _tarball(
        tmp_path / "chain.tar.gz",
        [("symlink", "a", "b/b/../../etc/passwd"), ("symlink", "b", ".")],
    )
    with pytest.raises(UnsafeArchive, match="'a' points outside the directory once the archive's other links exist"):
        extract_tarball(archive, sandbox / "out")
    assert _everything(sandbox) == {"out"}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        pytest.param([("file", "x" * 300, b"x")], "File name too long", id="name-too-long"),
        pytest.param(
            [("file", "a", b"x"), ("file", "a/b", b"y")],
            "'a/b' cannot be unpacked: Not a directory",
            id="file-where-a-directory-goes",
        ),
        pytest.param(
            [("dir", "d", b""), ("file", "d/x", b"x"), ("file", "d", b"y")],
            "'d' cannot be unpacked",
            id="file-over-a-full-directory",
        ),
    ],
)
def test_file_system_refusals_are_archive_errors(tmp_path: Path, members: list[Member], message: str) -> None:
    archive = _tarball(tmp_path / "clash.tar.gz", members)
    with pytest.raises(UnsafeArchive, match=message):
        extract_tarball(archive, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("members", "shown"),
    [
        pytest.param([("file", "evil\nname.yaml", b"x")], "evil\\\\x0aname.yaml", id="newline"),
        pytest.param([("file", "\x1b[2Jclear.yaml", b"x")], "\\\\x1b\\[2Jclear.yaml", id="escape"),
        pytest.param([("file", "tab\there", b"x")], "tab\\\\x09here", id="tab"),
        pytest.param(
            [("symlink", "link", "target\x1b]0;x")], "'link' has a control character in its target", id="link-target"
        ),
    ],
)
def test_names_with_control_characters_are_refused(tmp_path: Path, members: list[Member], shown: str) -> None:
    archive = _tarball(tmp_path / "ctl.tar.gz", [("file", "ok.txt", b"fine"), *members])
    with pytest.raises(UnsafeArchive, match=shown) as raised:
        extract_tarball(archive, tmp_path / "out")
    assert "\n" not in str(raised.value)
    assert "\x1b" not in str(raised.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_files_whose_folders_the_archive_does_not_list_get_their_folders(tmp_path: Path) -> None:
    """Go's tar writers (helm's charts) list no folder entries; the folders are made, still inside."""
    archive = _tarball(tmp_path / "chart.tgz", [("file", "web/templates/a.yaml", b"a"), ("file", "web/b", b"b")])
    extract_tarball(archive, tmp_path / "out")
    assert (tmp_path / "out/web/templates/a.yaml").read_bytes() == b"a"
    assert (tmp_path / "out/web/b").read_bytes() == b"b"


def test_a_missing_folder_behind_a_link_out_is_not_made(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    archive = _tarball(tmp_path / "a.tgz", [("symlink", "l", "../elsewhere"), ("file", "l/new/x", b"x")])
    with pytest.raises(UnsafeArchive):
        extract_tarball(archive, tmp_path / "out")
    assert not (tmp_path / "elsewhere/new").exists()


def test_extract_into_keeps_other_files_replaces_same_names_and_skips_symlinks(tmp_path: Path) -> None:
    archive = _tarball(
        tmp_path / "a.tgz",
        [
            ("dir", "deploy", b""),
            ("file", "deploy/app.yaml", b"new"),
            ("file", "top.yaml", b"top"),
            ("symlink", "deploy/alias.yaml", "app.yaml"),
            ("hardlink", "deploy/copy.yaml", "deploy/app.yaml"),
        ],
    )
    output = tmp_path / "out"
    (output / "deploy").mkdir(parents=True)
    (output / "deploy" / "app.yaml").write_bytes(b"old")
    (output / "mine.txt").write_bytes(b"kept")

    extracted = extract_into(archive, output)

    assert extracted.path == output
    assert _everything(output) == {"deploy", "deploy/app.yaml", "deploy/copy.yaml", "top.yaml", "mine.txt"}
    assert (output / "deploy" / "app.yaml").read_bytes() == b"new"
    assert (output / "deploy" / "copy.yaml").read_bytes() == b"new"
    assert (output / "mine.txt").read_bytes() == b"kept"


def test_extract_into_never_writes_through_a_link_already_in_the_directory(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    output = tmp_path / "out"
    output.mkdir()
    (output / "deploy").symlink_to(elsewhere)
    archive = _tarball(tmp_path / "a.tgz", [("dir", "deploy", b""), ("file", "deploy/app.yaml", b"x")])

    with pytest.raises(UnsafeArchive, match="'deploy' is a directory in the artifact but a link or file"):
        extract_into(archive, output)
    assert not any(elsewhere.iterdir())


def test_extract_into_replaces_a_link_with_the_artifacts_file_not_its_target(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_bytes(b"untouched")
    output = tmp_path / "out"
    output.mkdir()
    (output / "app.yaml").symlink_to(target)

    extract_into(_tarball(tmp_path / "a.tgz", [("file", "app.yaml", b"from the artifact")]), output)

    assert not (output / "app.yaml").is_symlink()
    assert (output / "app.yaml").read_bytes() == b"from the artifact"
    assert target.read_bytes() == b"untouched"


def test_extract_into_refuses_a_hostile_archive_and_leaves_the_directory_as_it_was(tmp_path: Path) -> None:
    output = tmp_path / "out"
    output.mkdir()
    (output / "mine.txt").write_bytes(b"kept")
    archive = _tarball(tmp_path / "a.tgz", [("file", "ok.yaml", b"x"), ("file", "../outside.txt", b"x")])

    with pytest.raises(UnsafeArchive, match=r"'\.\.'"):
        extract_into(archive, output)
    assert _everything(output) == {"mine.txt"}
    assert not (tmp_path / "outside.txt").exists()
