"""What the source reconcilers share: their storage, the no-op check, their Secret and failure shapes."""

from __future__ import annotations

import asyncio
from typing import TypeVar

from reflow.api.artifact import Artifact
from reflow.api.conditions import (
    ARTIFACT_OUTDATED,
    AUTHENTICATION_FAILED,
    FETCH_FAILED,
    STORAGE_OPERATION_FAILED,
)
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import parse
from reflow.engines.artifact import Storage
from reflow.engines.artifact.storage import StorageError
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.secret import secret_data
from reflow.runtime.errors import ReconcileError
from reflow.runtime.reconciler import Reconciler
from reflow.runtime.result import ConditionState, Result

S = TypeVar("S")


class SourceReconciler(Reconciler[S]):
    """A source kind's reconciler: it writes artifacts to `storage`, keeping `records` of them for `ttl` s.

    `storage` is replaced once the artifact server listens (its address goes into artifact URLs);
    reconciles wait for `storage_ready` first.
    """

    def __init__(self, kube: Kube, storage: Storage, storage_ready: asyncio.Event, *, ttl: float, records: int):
        self.kube = kube
        self.storage = storage
        self.storage_ready = storage_ready
        self.ttl = ttl
        self.records = records


def up_to_date(status: Manifest, revision: str, config: Manifest) -> bool:
    """Whether the stored artifact already is this revision built with this configuration."""
    artifact = status.get("artifact") or {}
    if artifact.get("revision") != revision:
        return False
    return all(status.get(name) == value for name, value in config.items())


async def intact(storage: Storage, artifact: Manifest) -> bool:
    """The stored file is there and still has its digest (a damaged one is rebuilt, as Flux does)."""
    if not artifact:
        return False
    try:
        return await storage.verify(parse(Artifact, artifact))
    except (ValueError, StorageError):
        return False


def unchanged(revision: str, ready: str | None = None) -> Result:
    """Nothing moved: the same Ready message (`ready`, or the usual one) and conditions, so no status is written."""
    return Result(
        ready=ready or f"stored artifact for revision '{revision}'",
        conditions={FETCH_FAILED: None, STORAGE_OPERATION_FAILED: None, ARTIFACT_OUTDATED: None},
    )


def fetch_failed(message: str, reason: str) -> ReconcileError:
    """A failure to reach or read the upstream, shown as Ready=False and FetchFailed=True with `reason`."""
    condition = ConditionState("True", reason, message)
    return ReconcileError(message, reason=reason, conditions={FETCH_FAILED: condition})


def storage_failed(error: StorageError) -> ReconcileError:
    """A failure to write the artifact, shown as Ready=False and StorageOperationFailed=True."""
    condition = ConditionState("True", error.reason, str(error))
    return ReconcileError(str(error), reason=error.reason, conditions={STORAGE_OPERATION_FAILED: condition})


async def source_secret(kube: Kube, namespace: str | None, name: str, purpose: str) -> dict[str, bytes]:
    """The decoded data of a Secret the source refers to; a missing one fails with AuthenticationFailed."""
    try:
        return secret_data(await kube.get(ObjectRef("v1", "Secret", name, namespace)))
    except NotFound as error:
        raise fetch_failed(f"{purpose} secret '{namespace}/{name}' not found", AUTHENTICATION_FAILED) from error
