"""The artifact a source publishes: where it is served, its revision and its digest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from reflow.api.schema import Prop

DIGEST_PATTERN = r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$"


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """A tarball (or index file) in a controller's artifact storage, as written to `status.artifact`."""

    path: Annotated[str, Prop("Path of the file relative to the storage root: `<kind>/<namespace>/<name>/<file>`.")]
    url: Annotated[str, Prop("HTTP address the file is served from.")]
    revision: Annotated[str, Prop("Source revision the file was made from, e.g. `main@sha1:<hex>`.")]
    digest: Annotated[str | None, Prop("`<algorithm>:<hex>` of the file.", pattern=DIGEST_PATTERN)] = None
    last_update_time: Annotated[str, Prop("When the file last changed (RFC 3339).", format="date-time")]
    size: Annotated[int | None, Prop("Size of the file in bytes.", format="int64")] = None
    metadata: Annotated[Mapping[str, str], Prop("Upstream annotations, e.g. OCI image annotations.")] = field(
        default_factory=dict
    )
