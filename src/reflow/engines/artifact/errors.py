"""Why a consumer could not use an artifact; all carry the `ArtifactFailed` reason.

```
ArtifactError            ArtifactFailed
├── ArtifactUnavailable  the server did not answer, or not with 200
├── DigestMismatch       the downloaded bytes are not the ones the source advertised
├── UnsafeArchive        a member escapes the directory, is of a refused type, or breaks a limit
│   └── ArchiveTooLarge  too many bytes or files (a decompression bomb, or just too big)
└── UnsafeInclude        a `spec.include` path or copied tree meets a symbolic link, or is missing
```
"""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import ARTIFACT_FAILED


class ArtifactError(Exception):
    reason: ClassVar[str] = ARTIFACT_FAILED


class ArtifactUnavailable(ArtifactError):
    pass


class DigestMismatch(ArtifactError):
    pass


class UnsafeArchive(ArtifactError):
    pass


class ArchiveTooLarge(UnsafeArchive):
    pass


class UnsafeInclude(ArtifactError):
    pass
