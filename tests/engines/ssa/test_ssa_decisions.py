"""The pure decisions around apply and prune: exclusions, forcing, pruning rules and deletion policies."""

from __future__ import annotations

import pytest

from reflow.api.kustomize import ResourceInventory, ResourceRef
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.ssa import Action, DeletionPolicy, deletes_on_finalize, owner_labels
from reflow.engines.ssa.apply import ApplyOptions, dry_run_failure, excluded, if_not_present, immutable, may_recreate
from reflow.engines.ssa.prune import deletion_order, prune_action, waits_for_termination
from reflow.kube.errors import BadRequest, Conflict, Forbidden, Invalid

SSA = "kustomize.toolkit.fluxcd.io/ssa"
RECONCILE = "kustomize.toolkit.fluxcd.io/reconcile"
FORCE = "kustomize.toolkit.fluxcd.io/force"
PRUNE = "kustomize.toolkit.fluxcd.io/prune"
OWNER = owner_labels("apps", "flux-system")


def meta(labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "a", "labels": labels or {}, "annotations": annotations or {}},
    }


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(meta(annotations={SSA: "Ignore"}), True, id="ssa-ignore"),
        pytest.param(meta(labels={SSA: "ignore"}), True, id="ssa-ignore-label-any-case"),
        pytest.param(meta(annotations={RECONCILE: "disabled"}), True, id="reconcile-disabled"),
        pytest.param(meta(labels={RECONCILE: "Disabled"}), True, id="reconcile-disabled-label"),
        pytest.param(meta(annotations={SSA: "Merge"}), False, id="ssa-merge"),
        pytest.param(meta(annotations={RECONCILE: "enabled"}), False, id="reconcile-enabled"),
        pytest.param(meta(), False, id="nothing"),
        pytest.param(None, False, id="absent"),
    ],
)
def test_excluded_objects_are_never_applied(obj: Manifest | None, expected: bool) -> None:
    assert excluded(obj) is expected


def test_if_not_present() -> None:
    assert if_not_present(meta(annotations={SSA: "IfNotPresent"}))
    assert not if_not_present(meta(annotations={SSA: "Override"}))


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        pytest.param(Invalid(422, "Invalid", "spec: Invalid value"), True, id="invalid"),
        pytest.param(Conflict(409, "Conflict", "conflict"), True, id="conflict"),
        pytest.param(BadRequest(400, "BadRequest", "spec.x: field is immutable"), True, id="message-is-immutable"),
        pytest.param(Forbidden(403, "Forbidden", "denied: immutable field changed"), True, id="webhook-immutable"),
        pytest.param(BadRequest(400, "BadRequest", "bad yaml"), False, id="bad-request"),
        pytest.param(Forbidden(403, "Forbidden", "cannot patch"), False, id="forbidden"),
    ],
)
def test_immutable_errors_are_recognised_as_flux_does(err: Invalid, expected: bool) -> None:
    assert immutable(err) is expected


IMMUTABLE = Invalid(422, "Invalid", "field is immutable")


@pytest.mark.parametrize(
    ("force", "desired", "live", "expected"),
    [
        pytest.param(True, meta(), meta(), True, id="spec-force"),
        pytest.param(False, meta(annotations={FORCE: "Enabled"}), meta(), True, id="annotation-on-manifest"),
        pytest.param(False, meta(), meta(annotations={FORCE: "enabled"}), True, id="annotation-on-live-object"),
        pytest.param(False, meta(), meta(), False, id="not-forced"),
        pytest.param(True, meta(), None, False, id="nothing-to-recreate"),
    ],
)
def test_may_recreate(force: bool, desired: Manifest, live: Manifest | None, expected: bool) -> None:
    assert may_recreate(desired, live, IMMUTABLE, ApplyOptions(force=force)) is expected


def test_dry_run_failure_names_object_and_reason() -> None:
    ref = ObjectRef("apps/v1", "Deployment", "web", "a")
    err = Invalid(422, "Invalid", 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1')
    assert dry_run_failure(ref, err) == (
        'Deployment/a/web dry-run failed (Invalid): Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1'
    )


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        pytest.param(None, Action.DELETED, id="already-gone"),
        pytest.param(meta(labels=OWNER), Action.DELETED, id="ours"),
        pytest.param(meta(labels={**OWNER, "kustomize.toolkit.fluxcd.io/name": "other"}), Action.SKIPPED, id="other"),
        pytest.param(meta(), Action.SKIPPED, id="unlabelled"),
        pytest.param(meta(labels=OWNER, annotations={PRUNE: "disabled"}), Action.SKIPPED, id="prune-disabled"),
        pytest.param(meta(labels={**OWNER, PRUNE: "Disabled"}), Action.SKIPPED, id="prune-disabled-label"),
        pytest.param(meta(labels=OWNER, annotations={RECONCILE: "disabled"}), Action.SKIPPED, id="reconcile-off"),
        pytest.param(meta(labels=OWNER, annotations={SSA: "Ignore"}), Action.SKIPPED, id="ssa-ignore"),
    ],
)
def test_prune_action(live: Manifest | None, expected: Action) -> None:
    assert prune_action(live, OWNER) is expected


INVENTORY = ResourceInventory(entries=(ResourceRef(id="a_cm__ConfigMap", v="v1"),))


@pytest.mark.parametrize(
    ("policy", "prune", "suspended", "inventory", "expected"),
    [
        pytest.param(None, True, False, INVENTORY, True, id="default-mirrors-prune"),
        pytest.param(None, False, False, INVENTORY, False, id="default-without-prune"),
        pytest.param("MirrorPrune", True, False, INVENTORY, True, id="mirror-prune"),
        pytest.param("Delete", False, False, INVENTORY, True, id="delete"),
        pytest.param("WaitForTermination", False, False, INVENTORY, True, id="wait-for-termination"),
        pytest.param("Orphan", True, False, INVENTORY, False, id="orphan"),
        pytest.param("Delete", True, True, INVENTORY, False, id="suspended-never"),
        pytest.param("Delete", True, False, None, False, id="no-inventory"),
        pytest.param("Delete", True, False, ResourceInventory(), False, id="empty-inventory"),
    ],
)
def test_deletes_on_finalize(
    policy: str | None, prune: bool, suspended: bool, inventory: ResourceInventory | None, expected: bool
) -> None:
    assert deletes_on_finalize(policy, prune=prune, suspended=suspended, inventory=inventory) is expected


def test_only_wait_for_termination_waits() -> None:
    assert waits_for_termination(DeletionPolicy.WAIT_FOR_TERMINATION)
    assert not any(waits_for_termination(p) for p in ("Delete", "MirrorPrune", "Orphan", None))


def test_deletion_runs_in_reverse_apply_order() -> None:
    refs = [
        ObjectRef("v1", "Namespace", "a"),
        ObjectRef("apps/v1", "Deployment", "web", "a"),
        ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", "w.example.com"),
        ObjectRef("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "hook"),
        ObjectRef("v1", "ConfigMap", "cm", "a"),
    ]
    assert [r.kind for r in deletion_order(refs)] == [
        "ValidatingWebhookConfiguration",
        "Deployment",
        "ConfigMap",
        "Namespace",
        "CustomResourceDefinition",
    ]
