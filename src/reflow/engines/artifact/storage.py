"""Artifact storage on local disk: `<kind>/<namespace>/<name>/<file>` under a root, served over HTTP.

Files appear atomically (written to a temp file in the same directory, then renamed), so the server and
the consumers never see half a tarball. After a new artifact is stored, the retention decision in
`retention.py` removes old files of that object.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from reflow.api.artifact import Artifact
from reflow.api.conditions import STORAGE_OPERATION_FAILED
from reflow.engines.artifact.archive import Archived, artifact_matcher, file_digest, write_tarball
from reflow.engines.artifact.retention import RETENTION_RECORDS, RETENTION_TTL, garbage, stored_files


class StorageError(Exception):
    """A storage operation failed (reason `StorageOperationFailed`)."""

    reason = STORAGE_OPERATION_FAILED


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageSettings:
    """Flux's storage flags, under the same names."""

    storage_path: Path = Path("/data")
    """Root directory of the artifacts (`--storage-path`)."""
    storage_addr: str = ":9090"
    """Where the artifact server listens (`--storage-addr`); `:9090` as Flux."""
    storage_adv_addr: str = ""
    """Host[:port] or `http(s)://` base put in artifact URLs (`--storage-adv-addr`); in a cluster the
    Service's name, for local runs `127.0.0.1:<port>`. Empty: this host's name and the listening port."""
    artifact_retention_ttl: float = RETENTION_TTL
    """Seconds an older artifact file is kept (`--artifact-retention-ttl`, 60 s as Flux's `1m`)."""
    artifact_retention_records: int = RETENTION_RECORDS
    """How many artifact files per object are kept at most (`--artifact-retention-records`, 2)."""


def advertised_address(settings: StorageSettings, port: int | None = None) -> str:
    """The address for artifact URLs: `storage_adv_addr`, else the listen host (or hostname) and port."""
    if settings.storage_adv_addr:
        return settings.storage_adv_addr
    host, _, listen_port = settings.storage_addr.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = socket.gethostname()
    return f"{host}:{port if port is not None else listen_port}"


def artifact_path(kind: str, namespace: str, name: str, filename: str) -> str:
    """`<kind>/<namespace>/<name>/<file>` with the kind in lower case; refuses parts that are not one name."""
    parts = (kind.lower(), namespace, name, filename)
    for part in parts:
        if not part or "/" in part or part in (".", "..") or "\0" in part:
            raise StorageError(f"invalid artifact path part '{part}'")
    return "/".join(parts)


@dataclass(frozen=True, slots=True)
class Storage:
    """The artifact files under `root`, advertised at `address` (host[:port] or an `http(s)://` base)."""

    root: Path
    address: str

    def url(self, path: str) -> str:
        base = self.address if self.address.startswith(("http://", "https://")) else f"http://{self.address}"
        return f"{base.rstrip('/')}/{path.lstrip('/')}"

    def local_path(self, path: str) -> Path:
        """The file of a relative artifact path; refuses absolute paths and `..`."""
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise StorageError(f"invalid artifact path '{path}'")
        return self.root.joinpath(*relative.parts)

    def exists(self, artifact: Artifact) -> bool:
        local = self.local_path(artifact.path)
        return local.is_file() and not local.is_symlink()

    async def verify(self, artifact: Artifact) -> bool:
        """Whether the stored file's digest is still the artifact's."""
        if not artifact.digest or not self.exists(artifact):
            return False
        algorithm = artifact.digest.partition(":")[0]
        try:
            return await asyncio.to_thread(file_digest, self.local_path(artifact.path), algorithm) == artifact.digest
        except (OSError, ValueError):
            return False

    @contextmanager
    def _atomic(self, local: Path) -> Iterator[BinaryIO]:
        local.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=local.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, local)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _archive(self, source: Path, local: Path, ignore: str | None) -> Archived:
        with self._atomic(local) as handle:
            return write_tarball(source, handle, artifact_matcher(source, ignore))

    async def archive(self, path: str, source: Path, revision: str, *, ignore: str | None = None) -> Artifact:
        """Store the tarball of `source` at `path` (see `artifact_path`) and describe it."""
        local = self.local_path(path)
        try:
            archived = await asyncio.to_thread(self._archive, source, local, ignore)
        except OSError as error:
            raise StorageError(f"unable to archive '{source}' to '{path}': {error}") from error
        return self._artifact(path, revision, archived)

    def _write(self, local: Path, data: bytes) -> Archived:
        with self._atomic(local) as handle:
            handle.write(data)
        return Archived(digest=file_digest(local), size=len(data))

    async def store_bytes(self, path: str, data: bytes, revision: str) -> Artifact:
        """Store a file as is (a Helm index or chart) at `path`."""
        try:
            archived = await asyncio.to_thread(self._write, self.local_path(path), data)
        except OSError as error:
            raise StorageError(f"unable to write '{path}': {error}") from error
        return self._artifact(path, revision, archived)

    def _copy(self, local: Path, source: Path) -> Archived:
        with self._atomic(local) as handle, source.open("rb") as original:
            shutil.copyfileobj(original, handle)
        return Archived(digest=file_digest(local), size=local.stat().st_size)

    async def store_file(self, path: str, source: Path, revision: str) -> Artifact:
        """Store a file as is (an OCI layer kept with `operation: copy`) at `path`."""
        try:
            archived = await asyncio.to_thread(self._copy, self.local_path(path), source)
        except OSError as error:
            raise StorageError(f"unable to copy '{source.name}' to '{path}': {error}") from error
        return self._artifact(path, revision, archived)

    def _artifact(self, path: str, revision: str, archived: Archived) -> Artifact:
        return Artifact(
            path=path,
            url=self.url(path),
            revision=revision,
            digest=archived.digest,
            size=archived.size,
            last_update_time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    async def collect_garbage(
        self, artifact: Artifact, *, ttl: float = RETENTION_TTL, records: int = RETENTION_RECORDS
    ) -> tuple[str, ...]:
        """Apply the retention decision to the artifact's directory; the removed paths, relative to root."""

        def collect() -> tuple[str, ...]:
            local = self.local_path(artifact.path)
            doomed = garbage(stored_files(local.parent), current=local.name, now=time.time(), ttl=ttl, records=records)
            for name in doomed:
                (local.parent / name).unlink(missing_ok=True)
                (local.parent / f"{name}.lock").unlink(missing_ok=True)
            prefix = artifact.path.rpartition("/")[0]
            return tuple(f"{prefix}/{name}" for name in doomed)

        return await asyncio.to_thread(collect)

    async def remove_all(self, kind: str, namespace: str, name: str) -> None:
        """Delete every file of one object (when the object is deleted)."""
        directory = self.local_path(artifact_path(kind, namespace, name, "-")).parent
        await asyncio.to_thread(shutil.rmtree, directory, True)
