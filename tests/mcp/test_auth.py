"""The HTTP transport's bearer token: a fresh one per run, or one from a file only its owner can read."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.mcp.auth import TokenFileError, new_token, read_token
from reflow.mcp.serve import url


def test_each_run_makes_a_new_long_token() -> None:
    first, second = new_token(), new_token()
    assert first != second
    assert len(first) >= 43


def test_a_token_file_is_read_only_when_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("s3cret-token\n")
    path.chmod(0o600)
    assert read_token(path) == "s3cret-token"
    path.chmod(0o400)
    assert read_token(path) == "s3cret-token"
    for mode in (0o640, 0o604, 0o660):
        path.chmod(mode)
        with pytest.raises(TokenFileError, match=f"open to others \\(mode {mode:04o}\\).*chmod 600"):
            read_token(path)


def test_a_missing_or_empty_token_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match="cannot read the token file"):
        read_token(tmp_path / "absent")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    empty.chmod(0o600)
    with pytest.raises(TokenFileError, match="is empty"):
        read_token(empty)


def test_the_url_brackets_ipv6_addresses() -> None:
    assert url("::1", 8765) == "http://[::1]:8765/mcp"
    assert url("127.0.0.1", 0) == "http://127.0.0.1:0/mcp"
