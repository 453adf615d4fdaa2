"""`reflow reconcile`, `suspend` and `resume` against a stand-in controller that really handles the requests."""

from __future__ import annotations

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from tests.cli.controller import stand_in
from tests.cli.objects import ObjectFactory, artifact, git_repository, kustomization, ready_condition
from tests.cli.runner import Reflow

GIT = ("source.toolkit.fluxcd.io/v1", "GitRepository")
KS = ("kustomize.toolkit.fluxcd.io/v1", "Kustomization")


async def test_reconcile_source_git_waits_for_the_controller_and_reports_the_revision(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(git_repository("podinfo"), {"conditions": [ready_condition()], "artifact": artifact("main@sha1:1")})
    async with stand_in(kube, *GIT, namespace, fields={"artifact": artifact("main@sha1:2")}, delay=0.5) as seen:
        result = await reflow("reconcile", "source", "git", "podinfo", "--timeout", "30s")
    assert result.code == 0, result.stderr
    assert "fetched revision main@sha1:2 in " in result.stderr
    assert seen == ["podinfo"]
    live = await kube.get(ObjectRef(*GIT, "podinfo", namespace))
    token = live["metadata"]["annotations"][REQUESTED_AT]
    assert live["status"]["lastHandledReconcileAt"] == token
    assert token.endswith("Z")
    assert "." in token


async def test_reconcile_that_ends_not_ready_exits_1_with_the_controller_message(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(kustomization("apps"), {"conditions": [ready_condition()]})
    async with stand_in(kube, *KS, namespace, ready=False, message="kustomize build failed: no such path"):
        result = await reflow("reconcile", "ks", "apps", "--timeout", "30s")
    assert result.code == 1
    assert "Kustomization reconciliation failed: kustomize build failed: no such path" in result.stderr


async def test_reconcile_with_source_reconciles_the_source_first(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(git_repository("repo"), {"conditions": [ready_condition()]})
    await make(kustomization("apps", "repo"), {"conditions": [ready_condition()]})
    async with (
        stand_in(kube, *GIT, namespace, fields={"artifact": artifact("main@sha1:3")}),
        stand_in(kube, *KS, namespace, fields={"lastAppliedRevision": "main@sha1:3"}),
    ):
        result = await reflow("reconcile", "kustomization", "apps", "--with-source", "--timeout", "30s")
    assert result.code == 0, result.stderr
    assert result.stderr.index("fetched revision main@sha1:3") < result.stderr.index("applied revision main@sha1:3")


async def test_reconcile_times_out_when_no_controller_answers(reflow: Reflow, make: ObjectFactory) -> None:
    await make(git_repository("podinfo"), {"conditions": [ready_condition()]})
    result = await reflow("reconcile", "source", "git", "podinfo", "--timeout", "2s")
    assert result.code == 1
    assert "was not reconciled after 2 s" in result.stderr
    assert "controller running" in result.stderr


async def test_reconcile_of_a_suspended_object_is_refused(reflow: Reflow, make: ObjectFactory) -> None:
    await make(git_repository("podinfo", suspend=True))
    result = await reflow("reconcile", "source", "git", "podinfo")
    assert result.code == 1
    assert "is suspended" in result.stderr


async def test_reconcile_of_an_unknown_object_exits_1_naming_it(reflow: Reflow, crds: None) -> None:
    result = await reflow("reconcile", "source", "git", "nothing-here")
    assert result.code == 1
    assert '"nothing-here" not found' in result.stderr
    assert "hint: check the name and the namespace" in result.stderr


async def test_suspend_sets_spec_suspend_and_resume_waits_until_ready(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(kustomization("a"), {"conditions": [ready_condition()]})
    await make(kustomization("b"), {"conditions": [ready_condition()]})
    result = await reflow("suspend", "ks", "--all")
    assert result.code == 0, result.stderr
    for name in ("a", "b"):
        live = await kube.get(ObjectRef(*KS, name, namespace))
        assert live["spec"]["suspend"] is True
    async with stand_in(kube, *KS, namespace, fields={"lastAppliedRevision": "main@sha1:4"}) as seen:
        result = await reflow("resume", "kustomization", "a", "b", "--timeout", "30s")
    assert result.code == 0, result.stderr
    assert sorted(seen) == ["a", "b"]
    assert "all resumed and ready" in result.stderr
    live = await kube.get(ObjectRef(*KS, "a", namespace))
    assert live["spec"]["suspend"] is False


async def test_resume_reports_objects_that_do_not_become_ready(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await make(git_repository("podinfo", suspend=True))
    async with stand_in(kube, *GIT, namespace, ready=False, message="auth failed"):
        result = await reflow("resume", "source", "git", "podinfo", "--timeout", "30s")
    assert result.code == 1
    assert "podinfo: auth failed" in result.stderr


async def test_suspend_needs_names_or_all(reflow: Reflow) -> None:
    result = await reflow("suspend", "source", "git")
    assert result.code == 2
    assert "name is required" in result.stderr
