"""The files image setters may touch: YAML under `update.path` in a checkout, read and written as bytes.

As in Flux, a file is considered when it ends in `.yaml` or `.yml` or is named `Kustomization`, and parsed
only when it holds the marker token. Symbolic links are neither followed nor written through: a link in
the repository could otherwise point the controller at any file it can reach. Text is decoded and encoded
as UTF-8 without newline translation, so a rewrite changes only the marked scalars.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from reflow.engines.image.setters import TOKEN, FileUpdate


class UnsafePath(ValueError):
    """`update.path` leaves the checkout or passes through a symbolic link."""


def update_root(checkout: Path, path: str | None) -> Path:
    """The directory `update.path` names inside `checkout`; it must stay inside and not be a link."""
    root = checkout.resolve()
    relative = (path or ".").strip()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise UnsafePath(f"update.path '{path}' points outside the repository")
    if not target.is_dir():
        raise UnsafePath(f"update.path '{path}' is not a directory in the repository")
    return target


def read_marked(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The YAML files under `root` holding the marker token (relative path -> text), and undecodable ones."""
    texts: dict[str, str] = {}
    problems: dict[str, str] = {}
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(name for name in dirs if name != ".git" and not (Path(directory) / name).is_symlink())
        for name in sorted(names):
            file = Path(directory) / name
            if file.is_symlink() or not _candidate(name):
                continue
            data = file.read_bytes()
            if TOKEN.encode() not in data:
                continue
            relative = file.relative_to(root).as_posix()
            try:
                texts[relative] = data.decode("utf-8")
            except UnicodeDecodeError as err:
                problems[relative] = f"not UTF-8 text: {err.reason} at byte {err.start}"
    return texts, problems


def write_updates(root: Path, updates: Iterable[FileUpdate]) -> None:
    """Write each rewritten file back in place, keeping its mode."""
    for update in updates:
        (root / update.path).write_bytes(update.text.encode("utf-8"))


def _candidate(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or name == "Kustomization"
