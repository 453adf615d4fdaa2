"""Drift ignore rules against the real API server: ignored fields other managers edit survive, the rest is corrected."""

from __future__ import annotations

from reflow.api.kustomize import IgnoreRule, Selector
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.ssa import Action, ApplyOptions, IgnoreRules, apply_staged
from reflow.kube.client import JSON_PATCH, Kube

MANAGER = "reflow-ssa-tests"
RULES = IgnoreRules.compile(
    [
        IgnoreRule(paths=("/spec/replicas", "/metadata/annotations/example.com~1owner"),
                   target=Selector(kind="Deployment", name="w.b")),
    ]
)  # fmt: skip
IGNORING = ApplyOptions(field_manager=MANAGER, ignore=RULES)


def deployment(namespace: str) -> Manifest:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "annotations": {"example.com/owner": "git"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "registry.local/web:1.0"}]},
            },
        },
    }


async def edit_as_others(kube: Kube, namespace: str) -> None:
    """An autoscaler applies replicas (it owns them); an editor patches the annotation and the image (Update)."""
    ref = ObjectRef("apps/v1", "Deployment", "web", namespace)
    scale = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace},
             "spec": {"replicas": 3}}  # fmt: skip
    await kube.apply(scale, field_manager="autoscaler", force=True)
    edits = [
        {"op": "replace", "path": "/metadata/annotations/example.com~1owner", "value": "editor"},
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "registry.local/web:hacked"},
    ]
    await kube.patch(ref, edits, content_type=JSON_PATCH, field_manager="editor")


async def test_ignored_fields_edited_by_other_managers_survive_while_the_rest_is_corrected(
    kube: Kube, namespace: str
) -> None:
    ref = ObjectRef("apps/v1", "Deployment", "web", namespace)
    assert (await apply_staged(kube, [deployment(namespace)], IGNORING)).actions() == {str(ref): Action.CREATED}
    await edit_as_others(kube, namespace)

    corrected = await apply_staged(kube, [deployment(namespace)], IGNORING)

    assert corrected.actions() == {str(ref): Action.CONFIGURED}
    live = await kube.get(ref)
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.local/web:1.0"
    assert live["spec"]["replicas"] == 3, "another applier's ignored field was reverted"
    assert live["metadata"]["annotations"]["example.com/owner"] == "editor", "an adopted ignored field was reverted"
    managers = {e["manager"]: e for e in live["metadata"]["managedFields"] if e["operation"] == "Apply"}
    assert "f:replicas" not in managers[MANAGER]["fieldsV1"]["f:spec"], "the stripped field was applied"
    assert "f:replicas" in managers["autoscaler"]["fieldsV1"]["f:spec"]

    again = await apply_staged(kube, [deployment(namespace)], IGNORING)
    assert again.actions() == {str(ref): Action.UNCHANGED}
    # The deployment controller keeps writing the status (so the resourceVersion moves); the spec and
    # this manager's own entry (its time changes on any apply it makes) must not.
    after = await kube.get(ref)
    assert after["metadata"]["generation"] == live["metadata"]["generation"]
    after_managers = {e["manager"]: e for e in after["metadata"]["managedFields"] if e["operation"] == "Apply"}
    assert after_managers[MANAGER] == managers[MANAGER], "an unchanged apply wrote"


async def test_without_rules_the_same_edits_are_reverted(kube: Kube, namespace: str) -> None:
    ref = ObjectRef("apps/v1", "Deployment", "web", namespace)
    plain = ApplyOptions(field_manager=MANAGER)
    await apply_staged(kube, [deployment(namespace)], plain)
    await edit_as_others(kube, namespace)

    assert (await apply_staged(kube, [deployment(namespace)], plain)).actions() == {str(ref): Action.CONFIGURED}
    live = await kube.get(ref)
    assert live["spec"]["replicas"] == 1
    assert live["metadata"]["annotations"]["example.com/owner"] == "git"


async def test_rules_whose_target_does_not_select_the_object_ignore_nothing(kube: Kube, namespace: str) -> None:
    ref = ObjectRef("apps/v1", "Deployment", "web", namespace)
    other = ApplyOptions(field_manager=MANAGER, ignore=IgnoreRules.compile(
        [IgnoreRule(paths=("/spec/replicas",), target=Selector(kind="Deploy"))]))  # fmt: skip
    await apply_staged(kube, [deployment(namespace)], other)
    await edit_as_others(kube, namespace)

    await apply_staged(kube, [deployment(namespace)], other)
    assert (await kube.get(ref))["spec"]["replicas"] == 1
