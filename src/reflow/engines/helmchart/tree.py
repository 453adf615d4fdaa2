"""Chart files on disk, handled without trusting them: a private copy that never follows a link, and reads
that stay inside their root and within the size limit.

A chart comes from a Git repository or a bucket, where anyone who can push can commit a symbolic link to
`/etc/passwd` or a 1 GB file. The copy helm packages is made with `copy_include`, which opens every path
component with `O_NOFOLLOW` and refuses links, so helm never sees one; every file in it is checked
against `--helm-chart-file-max-size`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from reflow.engines.artifact import UnsafeInclude, copy_include, include_parts
from reflow.engines.helmchart.errors import ChartPackageError, InvalidChartReference, ValuesFilesError


def chart_parts(path: str) -> tuple[str, ...]:
    """The components of a chart path inside the source; InvalidChartReference when it leaves it."""
    try:
        return include_parts(path)
    except ValueError as error:
        raise InvalidChartReference(f"chart path '{path}' points outside the source") from error


def private_copy(root: Path, parts: Sequence[str], target: Path, *, max_file_size: int) -> None:
    """Copy the folder `root/parts` into `target` without passing through a link; check each file's size."""
    try:
        target.mkdir(mode=0o700)
        copy_include(root, parts, target, ())
    except (UnsafeInclude, OSError) as error:
        raise ChartPackageError(f"the chart folder '{'/'.join(parts)}' cannot be copied safely: {error}") from error
    for folder, _, files in os.walk(target):
        for name in files:
            size = os.lstat(os.path.join(folder, name)).st_size
            if size > max_file_size:
                shown = os.path.relpath(os.path.join(folder, name), target)
                raise ChartPackageError(
                    f"'{shown}' is {size} bytes, more than the limit of {max_file_size} (--helm-chart-file-max-size)"
                )


def read_inside(root: Path, path: str, *, max_file_size: int) -> bytes | None:
    """The regular file `path` below `root`, or None when there is none; refuses a path or link leaving `root`."""
    try:
        parts = include_parts(path)
    except ValueError as error:
        raise ValuesFilesError(f"values file path '{path}' points outside the source") from error
    candidate = root.joinpath(*parts)
    real, top = Path(os.path.realpath(candidate)), Path(os.path.realpath(root))
    if real != top and top not in real.parents:
        raise ValuesFilesError(f"values file '{path}' is a link pointing outside the source")
    if not parts or not real.is_file():
        return None
    size = real.stat().st_size
    if size > max_file_size:
        raise ValuesFilesError(f"values file '{path}' is {size} bytes, more than the limit of {max_file_size}")
    return real.read_bytes()
