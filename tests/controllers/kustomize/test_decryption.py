"""A decrypted Secret that postBuild substitution breaks fails the build without its plaintext in status or events."""

from __future__ import annotations

import pytest

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from tests.controllers.events import events_until
from tests.controllers.kustomize.decryption import SOPS_DECRYPTION, sops_encrypt, sops_key
from tests.controllers.kustomize.sources import MakeSource
from tests.managers import StartControllers


def build_stopped(obj: Manifest | None) -> bool:
    """Ready=False past the artifact stage: the build failed, for a known or an unexpected reason."""
    found = condition(obj, "Ready")
    return (
        found is not None and found["status"] == "False" and found["reason"] in ("BuildFailed", "ReconciliationFailed")
    )


async def test_a_decrypted_secret_broken_by_substitution_is_not_quoted(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    password = "correct-horse-battery-staple"
    # After decryption and substitution the value reads `!!int correct-horse…`, which is no integer.
    plain = (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: {namespace}\n"
        f"stringData:\n  password: ${{tag}}{password}\n"
    )
    encrypted = sops_encrypt(plain, await sops_key(kube, namespace))
    assert password not in encrypted
    source, _ = await git_source({"secret.yaml": encrypted})
    await start_controllers("source", "kustomize")
    substitute = {"substitute": {"tag": "!!int "}}
    await kube.create(source.kustomization("secrets", decryption=SOPS_DECRYPTION, postBuild=substitute))
    failed = await source.until("secrets", build_stopped)
    ready = condition(failed, "Ready")
    assert ready is not None
    assert ready["reason"] == "BuildFailed"
    assert f"Secret/{namespace}/db: " in ready["message"]
    assert "a tagged value is not valid" in ready["message"]
    events = await events_until(kube, namespace, lambda items: any(e["type"] == "Warning" for e in items))
    assert password not in str(failed) + str(events)
    with pytest.raises(NotFound):
        await kube.get(ObjectRef("v1", "Secret", "db", namespace))
