"""Viewers' list rights: asked once per (viewer, group, resource, namespace) and kept for a TTL, so a page of 1,000
objects costs a handful of SubjectAccessReviews."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.dev.plane import LocalPlane
from reflow.kube.access import service_account
from reflow.kube.client import Kube
from reflow.kube.errors import ApiError
from reflow.ui.access import Memo, Rights, limits_note
from tests.audit import audited_resource
from tests.controllers.kustomize.sources import KUSTOMIZE
from tests.ui.test_access import READ, grant, kustomization


async def test_memo_reuses_an_answer_until_its_ttl_and_forgets_failures() -> None:
    now = [0.0]
    memo: Memo[str, int] = Memo(30.0, clock=lambda: now[0])
    calls: list[str] = []

    async def answer() -> int:
        calls.append("asked")
        return len(calls)

    async def failing() -> int:
        calls.append("failed")
        raise ApiError(500, "InternalError", "the review failed")

    assert [await memo.get("a", answer), await memo.get("a", answer)] == [1, 1]
    now[0] = 30.0
    assert await memo.get("a", answer) == 2
    for _ in range(2):
        with pytest.raises(ApiError):
            await memo.get("b", failing)
    assert calls == ["asked", "asked", "failed", "failed"]


def test_the_note_names_hidden_kinds_and_never_what_is_hidden() -> None:
    assert limits_note([], [], 3) == ""
    assert limits_note(["A", "B", "C"], [], 3) == "Filtered by your rights: you may not list any Flux kind."
    assert limits_note(["B", "C"], ["A", "B"], 3) == (
        "Filtered by your rights: you may not list C; B is shown only from the namespaces where you may list them."
    )


async def test_a_thousand_objects_cost_three_reviews_and_a_second_page_none(
    kube: Kube, counted: tuple[Kube, str], plane: LocalPlane, namespace: str, other_namespace: str,
    flux_crds: list[object],
) -> None:  # fmt: skip
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "viewer", "namespace": namespace}}
    )
    await grant(kube, namespace, {"kind": "ServiceAccount", "name": "viewer", "namespace": namespace}, READ)
    objects: list[Manifest] = [kustomization(f"app-{n}", namespace) for n in range(1000)]
    objects += [kustomization(f"hush-{n}", other_namespace) for n in range(5)]
    client, agent = counted
    resources = {"Kustomization": await client.resource(KUSTOMIZE, "Kustomization")}
    rights = Rights(client)
    viewer = service_account(namespace, "viewer")

    for _ in range(2):
        shown = await rights.visible(viewer, objects, resources)
        assert {obj["metadata"]["namespace"] for obj in shown} == {namespace}
        assert len(shown) == 1000
    assert await rights.limited(viewer, resources) == ["Kustomization"]
    assert len(audited_resource(plane, agent, "subjectaccessreviews")) == 3  # every namespace, then A, then B
