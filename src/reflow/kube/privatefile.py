"""Files that hold credentials (kubeconfigs, keys): readable by their owner only from the first byte on."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, content: str | bytes, mode: int = 0o600) -> Path:
    """Write `content` to `path`, readable by its owner only (`mode`, 0600 by default), replacing what was there.

    The bytes go to a new file in the same folder, created 0600 by `mkstemp`, which then replaces
    `path`: no other user can open it while it is written, whatever the umask, and an existing file
    with a wider mode is replaced rather than written through.
    """
    data = content.encode() if isinstance(content, str) else content
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            os.fchmod(out.fileno(), mode & 0o700)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
