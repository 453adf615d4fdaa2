"""What the source reconcilers share about their inputs and outputs: Secrets they name, and stored artifacts."""

from __future__ import annotations

from reflow.api.artifact import Artifact
from reflow.api.conditions import AUTHENTICATION_FAILED, FETCH_FAILED, STORAGE_OPERATION_FAILED
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import parse
from reflow.engines.artifact import Storage, StorageError
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.secret import secret_data
from reflow.runtime.errors import ReconcileError
from reflow.runtime.result import ConditionState


async def source_secret(kube: Kube, namespace: str | None, name: str, purpose: str) -> dict[str, bytes]:
    """The decoded data of a Secret a source names; a missing one fails the fetch (AuthenticationFailed)."""
    try:
        return secret_data(await kube.get(ObjectRef("v1", "Secret", name, namespace)))
    except NotFound as error:
        message = f"{purpose} secret '{namespace}/{name}' not found"
        condition = ConditionState("True", AUTHENTICATION_FAILED, message)
        raise ReconcileError(message, reason=AUTHENTICATION_FAILED, conditions={FETCH_FAILED: condition}) from error


async def intact(storage: Storage, artifact: Manifest) -> bool:
    """The stored file is there and still has its digest (a damaged one is rebuilt, as Flux does)."""
    if not artifact:
        return False
    try:
        return await storage.verify(parse(Artifact, artifact))
    except (ValueError, StorageError):
        return False


def storage_failed(error: StorageError) -> ReconcileError:
    """Ready=False and StorageOperationFailed=True with the storage's message."""
    condition = ConditionState("True", error.reason, str(error))
    return ReconcileError(str(error), reason=error.reason, conditions={STORAGE_OPERATION_FAILED: condition})
