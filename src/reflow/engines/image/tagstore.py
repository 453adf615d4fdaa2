"""The tags an ImageRepository scan found, kept on disk per repository for the ImagePolicies to read.

Why a file and not the object's status: a repository can have thousands of tags, and status travels with
every watch event and list of the object and is capped by etcd's object size; Flux keeps them out of the
object too (its database, or `imagerepository/<ns>/<name>/tags` files with its FluxStorage gate). One
JSON file per repository under the controller's storage directory survives a restart of the controller
(on a persistent volume), is written atomically (a reader sees the old list or the new one), is only
rewritten when the list changed, and is removed with the ImageRepository by its finalizer.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_FILE = "tags.json"


@dataclass(frozen=True, slots=True)
class StoredTags:
    """A repository's tags in the order the registry listed them, the canonical image name, and a revision."""

    canonical_image_name: str
    tags: tuple[str, ...]

    @property
    def revision(self) -> str:
        """A stable hash of the tag list: equal lists, equal revisions."""
        return hashlib.sha256("\n".join(sorted(self.tags)).encode()).hexdigest()


class TagStore:
    """Tag lists under `root/imagerepository/<namespace>/<name>/tags.json`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, namespace: str, name: str) -> Path:
        for part in (namespace, name):
            if not part or "/" in part or part in (".", ".."):
                raise ValueError(f"invalid object name part {part!r}")
        return self.root / "imagerepository" / namespace / name

    def read(self, namespace: str, name: str) -> StoredTags | None:
        """The stored tags, or None when the repository was never scanned (or its file is unreadable)."""
        try:
            data = json.loads((self.directory(namespace, name) / _FILE).read_text(encoding="utf-8"))
            return StoredTags(str(data["canonicalImageName"]), tuple(str(tag) for tag in data["tags"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, namespace: str, name: str, canonical_image_name: str, tags: Sequence[str]) -> bool:
        """Store the tags; False (and nothing written) when the same list is already stored."""
        stored = StoredTags(canonical_image_name, tuple(tags))
        if self.read(namespace, name) == stored:
            return False
        directory = self.directory(namespace, name)
        directory.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"canonicalImageName": canonical_image_name, "tags": list(tags)}).encode()
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tags.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(body)
            os.replace(temporary, directory / _FILE)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def remove(self, namespace: str, name: str) -> None:
        """Forget the repository's tags (its ImageRepository is being deleted)."""
        shutil.rmtree(self.directory(namespace, name), ignore_errors=True)
