"""The flags of `reflow controllers` that belong to one controller or another."""

from __future__ import annotations

from dataclasses import dataclass, field

from reflow.engines.artifact import StorageSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class ControllerOptions:
    """The flags of `reflow controllers` that belong to one controller or another."""

    storage: StorageSettings = field(default_factory=StorageSettings)
    """The source controller's artifact storage and server (`--storage-*`, `--artifact-retention-*`)."""
    concurrent: int | None = None
    """`--concurrent` when it was given; otherwise each controller uses Flux's default for it."""
