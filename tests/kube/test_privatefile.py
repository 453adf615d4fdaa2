"""Credential files are created readable by their owner only, whatever the umask, and never half-written."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from reflow.kube.privatefile import write_private


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that lets everyone read new files, as a careless shell might have."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_a_new_file_is_0600_even_under_an_open_umask(tmp_path: Path) -> None:
    target = tmp_path / "kubeconfig"
    write_private(target, "token: abc\n")
    assert target.read_text() == "token: abc\n"
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["kubeconfig"]


@pytest.mark.usefixtures("open_umask")
def test_a_readable_file_is_replaced_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "kubeconfig"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, b"new")
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o600


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path: Path) -> None:
    target = tmp_path / "identity"
    with pytest.raises(UnicodeEncodeError):
        write_private(target, "\udc80")
    assert list(tmp_path.iterdir()) == []
