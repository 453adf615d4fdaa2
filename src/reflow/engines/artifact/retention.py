"""Which stored artifact files to delete: older than the TTL or beyond the newest N, never the current one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RETENTION_TTL = 60.0
RETENTION_RECORDS = 2


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An artifact file in an object's storage directory and when it was last written (epoch seconds)."""

    name: str
    modified: float


def garbage(
    files: Sequence[StoredFile],
    *,
    current: str | None,
    now: float,
    ttl: float = RETENTION_TTL,
    records: int = RETENTION_RECORDS,
) -> tuple[str, ...]:
    """The names to delete, oldest first.

    A file goes when it is older than `ttl` seconds, or when more than `records` files would otherwise
    remain (the oldest go first). The file of the current artifact always stays, so an object never loses
    its last good artifact.
    """
    candidates = sorted((file for file in files if file.name != current), key=lambda file: (file.modified, file.name))
    expired = [file for file in candidates if now - file.modified > ttl]
    remaining = [file for file in candidates if now - file.modified <= ttl]
    kept = len(remaining) + (1 if current is not None and any(file.name == current for file in files) else 0)
    excess = remaining[: max(0, kept - records)]
    chosen = {file.name for file in (*expired, *excess)}
    return tuple(file.name for file in candidates if file.name in chosen)


def stored_files(directory: Path) -> list[StoredFile]:
    """The regular files of an object's storage directory (no lock files, temp files or symlinks)."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if path.is_symlink() or not path.is_file() or path.name.endswith(".lock") or path.name.startswith(".tmp-"):
            continue
        found.append(StoredFile(path.name, path.stat().st_mtime))
    return found
