"""`BuildResult`: what one build produced, shared by the pipeline that makes it and the cache that keeps it."""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.meta import Manifest


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    """The built objects, the key of the inputs, whether they came from the cache, and how long it took."""

    objects: tuple[Manifest, ...]
    key: str
    cached: bool
    seconds: float
