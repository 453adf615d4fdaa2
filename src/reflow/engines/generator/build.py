"""Build one generated artifact: run its copy operations into a fresh directory and take the tarball's digest.

The digest is that of the reproducible tarball `Storage.archive` will write from the same directory, so
it follows the content alone: the same files give the same digest on every run and every machine.
Blocking; run it in a thread.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reflow.api.meta import Manifest
from reflow.engines.artifact import artifact_matcher, write_tarball
from reflow.engines.generator.copy import apply_copy
from reflow.engines.generator.errors import GeneratorError
from reflow.engines.generator.merge import NotAMapping, load_mapping
from reflow.engines.generator.paths import ARTIFACT, PathError, inside, parse_alias_path, relative_parts
from reflow.engines.generator.pattern import Request


@dataclass(frozen=True, slots=True, kw_only=True)
class Built:
    """A staged artifact: its directory, the digest its tarball will have, and what goes on the ExternalArtifact."""

    request: Request
    directory: Path
    digest: str
    files: int
    inputs: Manifest | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        return len(data)


def tarball_digest(directory: Path) -> str:
    """The digest of the tarball of `directory`, without writing it anywhere."""
    return write_tarball(directory, _Discard(), artifact_matcher(directory)).digest  # type: ignore[arg-type]


def build(request: Request, sources: Mapping[str, Path], workspace: Path) -> Built:
    """Stage the request's artifact under `workspace`; GeneratorError names the artifact, operation and path."""
    artifact = request.artifact
    directory = Path(tempfile.mkdtemp(prefix="artifact-", dir=workspace))
    files = 0
    for op in artifact.copy:
        try:
            files += apply_copy(op, sources, directory)
        except GeneratorError as error:
            raise GeneratorError(f"artifact '{artifact.name}': {error}") from error
    inputs = _inputs(artifact.inputs_from, sources, directory, artifact.name) if artifact.inputs_from else None
    return Built(
        request=request,
        directory=directory,
        digest=tarball_digest(directory),
        files=files,
        inputs=inputs,
        labels=request.labels,
    )


def _inputs(expression: str, sources: Mapping[str, Path], staged: Path, name: str) -> Manifest:
    """The YAML mapping `inputsFrom` names, in a source or (alias `artifact`) in the staged artifact."""
    try:
        return read_mapping(expression, sources, staged)
    except (PathError, NotAMapping, UnicodeDecodeError, OSError) as error:
        raise GeneratorError(f"artifact '{name}': inputsFrom '{expression}': {error}") from error


def read_mapping(expression: str, sources: Mapping[str, Path], staged: Path) -> Manifest:
    """The YAML mapping in the file `@alias/path` names (alias `artifact`: the staged artifact), read without
    leaving its tree; PathError, NotAMapping, UnicodeDecodeError or OSError otherwise."""
    where = parse_alias_path(expression)
    root = staged if where.alias == ARTIFACT else sources.get(where.alias)
    if root is None:
        raise PathError(f"source alias '{where.alias}' is not declared in spec.sources")
    path = inside(root, root.joinpath(*relative_parts(where.path)))
    if not path.is_file():
        raise PathError(f"'{where.path}' is not a file in '@{where.alias}'")
    return load_mapping(path.read_text(encoding="utf-8"))


def directories(root: Path) -> Iterator[str]:
    """Every directory under `root`, relative and `/`-separated; links are not followed."""
    for current, names, _ in os.walk(root):
        relative = Path(current).relative_to(root).as_posix()
        for name in names:
            yield name if relative == "." else f"{relative}/{name}"
