"""Why an ArtifactGenerator could not build its artifacts.

```
GeneratorError     BuildFailed        a copy, merge, extract or inputs step failed; retried
└── InvalidPattern ValidationFailed   the pathPattern, a capture or a rendered name is invalid; fixed by the spec
```
"""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import BUILD_FAILED, VALIDATION_FAILED


class GeneratorError(Exception):
    """A step of building an artifact failed; the message names the artifact, the operation and the path."""

    reason: ClassVar[str] = BUILD_FAILED


class InvalidPattern(GeneratorError):
    """The pathPattern or what it produced cannot name an artifact; only a spec change helps."""

    reason = VALIDATION_FAILED
