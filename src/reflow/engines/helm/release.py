"""Helm's stored releases read as helm-controller reads them: decoded storage Secrets and their snapshots.

Helm keeps each revision in a Secret `sh.helm.release.v1.<name>.v<N>` (type `helm.sh/release.v1`,
labels `owner=helm`, `name`, `status`, `version`) whose `release` key holds base64 of the gzipped JSON
release. A snapshot's digest is Flux's: sha256 of that JSON followed by a newline (Go's `json.Encoder`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reflow.api.helm import ReleaseSnapshot, TestHookStatus
from reflow.engines.helm.values import digest_values

SECRET_TYPE = "helm.sh/release.v1"
OWNER_NAME = "helm.toolkit.fluxcd.io/name"
OWNER_NAMESPACE = "helm.toolkit.fluxcd.io/namespace"
PENDING = frozenset({"pending-install", "pending-upgrade", "pending-rollback"})
_GZIP_MAGIC = b"\x1f\x8b"
_FRACTION = re.compile(r"\.\d+")


class ReleaseDecodeError(ValueError):
    """A storage Secret that does not hold a Helm release."""


@dataclass(frozen=True, slots=True)
class StoredRelease:
    """One release revision as Helm stored it: the JSON bytes and their parsed form."""

    raw: bytes
    release: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    """The storage Secret's labels: Helm keeps a release's own labels (`--labels`) there, not in the JSON."""

    @property
    def name(self) -> str:
        return str(self.release.get("name") or "")

    @property
    def namespace(self) -> str:
        return str(self.release.get("namespace") or "")

    @property
    def version(self) -> int:
        return int(self.release.get("version") or 0)

    @property
    def status(self) -> str:
        return str((self.release.get("info") or {}).get("status") or "unknown")

    @property
    def chart_name(self) -> str:
        return str(((self.release.get("chart") or {}).get("metadata") or {}).get("name") or "")

    @property
    def chart_version(self) -> str:
        return str(((self.release.get("chart") or {}).get("metadata") or {}).get("version") or "")

    @property
    def owner(self) -> tuple[str, str] | None:
        """(namespace, name) of the HelmRelease its release labels name, if any."""
        name, namespace = self.labels.get(OWNER_NAME), self.labels.get(OWNER_NAMESPACE)
        return (str(namespace), str(name)) if name and namespace else None

    @property
    def manifest(self) -> str:
        return str(self.release.get("manifest") or "")

    @property
    def digest(self) -> str:
        """Flux's snapshot digest: sha256 of the JSON release as Go's encoder writes it (with a newline)."""
        return "sha256:" + hashlib.sha256(self.raw + b"\n").hexdigest()


def decode_release(data: str, labels: Mapping[str, str] | None = None) -> StoredRelease:
    """The release in a storage Secret's `release` value (base64 as in `data`, then Helm's base64 of gzip)."""
    try:
        inner = base64.b64decode(base64.b64decode(data))
        raw = gzip.decompress(inner) if inner[:2] == _GZIP_MAGIC else inner
        release = json.loads(raw)
    except (ValueError, OSError, EOFError) as error:
        raise ReleaseDecodeError(f"not a Helm release: {error}") from error
    if not isinstance(release, dict):
        raise ReleaseDecodeError("not a Helm release: the JSON is not an object")
    return StoredRelease(raw, release, dict(labels or {}))


def encode_release(release: Mapping[str, Any]) -> tuple[str, bytes]:
    """A release as a storage Secret's `data.release` value, and the JSON bytes it holds."""
    raw = json.dumps(release, separators=(",", ":")).encode()
    return base64.b64encode(base64.b64encode(gzip.compress(raw)).decode().encode()).decode(), raw


def latest(releases: Sequence[StoredRelease]) -> StoredRelease | None:
    """The newest revision."""
    return max(releases, key=lambda stored: stored.version, default=None)


def rfc3339(value: object) -> str | None:
    """A Helm timestamp (RFC 3339 with nanoseconds and an offset) as Kubernetes writes times: UTC seconds."""
    if not value or not isinstance(value, str) or value.startswith("0001-01-01"):
        return None
    try:
        moment = datetime.fromisoformat(_FRACTION.sub("", value, count=1).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_hooks(release: Mapping[str, Any]) -> dict[str, TestHookStatus]:
    """The release's test hooks that have run, by name, with their last run."""
    hooks: dict[str, TestHookStatus] = {}
    for hook in release.get("hooks") or []:
        if "test" not in (hook.get("events") or []):
            continue
        run = hook.get("last_run") or {}
        if not run.get("phase"):
            continue
        hooks[str(hook.get("name"))] = TestHookStatus(
            last_started=rfc3339(run.get("started_at")),
            last_completed=rfc3339(run.get("completed_at")),
            phase=str(run["phase"]),
        )
    return hooks


def snapshot(stored: StoredRelease, *, action: str | None = None) -> ReleaseSnapshot:
    """The `status.history` entry for a stored revision, with the test hooks that have run."""
    info = stored.release.get("info") or {}
    metadata = (stored.release.get("chart") or {}).get("metadata") or {}
    hooks = test_hooks(stored.release)
    return ReleaseSnapshot(
        api_version="",
        digest=stored.digest,
        name=stored.name,
        namespace=stored.namespace,
        version=stored.version,
        status=stored.status,
        chart_name=stored.chart_name,
        chart_version=stored.chart_version,
        app_version=metadata.get("appVersion") or None,
        config_digest=digest_values(stored.release.get("config") or {}),
        first_deployed=rfc3339(info.get("first_deployed")) or "",
        last_deployed=rfc3339(info.get("last_deployed")) or "",
        deleted=rfc3339(info.get("deleted")),
        test_hooks=hooks,
        action=action,
    )


def has_test_hooks(stored: StoredRelease) -> bool:
    """Whether the chart of the revision has test hooks (`helm test` would run something)."""
    return any("test" in (hook.get("events") or []) for hook in stored.release.get("hooks") or [])


def tests_failed(snap: ReleaseSnapshot) -> bool:
    """Whether a test hook of the snapshot failed."""
    return any(hook.phase == "Failed" for hook in snap.test_hooks.values())
