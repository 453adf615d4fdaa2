"""`reflow create tenant`: `--export` byte for byte as Flux, and applied objects that confine a tenant's reconciler."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_deleted
from tests.cli.runner import TESTDATA, Reflow

# The flags of fluxcd/flux2 cmd/flux/create_tenant_test.go for each golden file.
GOLDEN = [
    pytest.param([], "tenant-basic.yaml", id="basic"),
    pytest.param(["--with-service-account=flux-tenant"], "tenant-with-service-account.yaml", id="service-account"),
    pytest.param(["--cluster-role=custom-role"], "tenant-with-cluster-role.yaml", id="cluster-role"),
    pytest.param(["--skip-namespace"], "tenant-with-skip-namespace.yaml", id="skip-namespace"),
]


@pytest.mark.parametrize(("flags", "golden"), GOLDEN)
async def test_create_tenant_export_matches_flux(reflow: Reflow, flags: list[str], golden: str) -> None:
    args = ["create", "tenant", "dev-team", "--with-namespace=apps", "--cluster-role=cluster-admin", *flags]
    shown = await reflow(*args, "--export", namespaced=False)
    assert shown.code == 0, shown.stderr
    assert shown.stdout == (TESTDATA / "create_tenant" / golden).read_text()


async def test_create_tenant_export_repeats_the_group_per_namespace_with_labels(reflow: Reflow) -> None:
    shown = await reflow(
        "create", "tenant", "dev", "--with-namespace=a,b", "--label=env=dev", "--export", namespaced=False
    )
    assert shown.code == 0, shown.stderr
    kinds = [line for line in shown.stdout.splitlines() if line.startswith("kind:")]
    assert kinds == ["kind: Namespace", "kind: ServiceAccount", "kind: RoleBinding"] * 2
    assert shown.stdout.count("    env: dev\n    toolkit.fluxcd.io/tenant: dev\n") == 6
    assert "name: gotk:b:reconciler" in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["dev-team"], "with-namespace is required", id="no-namespace"),
        pytest.param(["dev-team", "--with-namespace=a", "--cluster-role="], "cluster-role is required", id="no-role"),
        pytest.param(["dev_", "--with-namespace=a"], "invalid tenant name 'dev_'", id="bad-tenant"),
        pytest.param(["dev", "--with-namespace=a b"], "invalid namespace 'a b'", id="bad-namespace"),
    ],
)
async def test_create_tenant_refuses_bad_input(reflow: Reflow, args: list[str], message: str) -> None:
    refused = await reflow("create", "tenant", *args, "--export", namespaced=False)
    assert refused.code == 2
    assert message in refused.stderr


REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews"


async def _may(kube: Kube, user: str, verb: str, namespace: str) -> bool:
    """Whether the API server's authorizer lets `user` `verb` ConfigMaps in `namespace` (a SubjectAccessReview)."""
    attributes = {"namespace": namespace, "resource": "configmaps", "verb": verb}
    review = await kube.request("POST", REVIEWS, body={
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {"user": user, "resourceAttributes": attributes},
    })  # fmt: skip
    return bool((review.get("status") or {}).get("allowed"))


async def _settled(kube: Kube, user: str, verb: str, namespace: str, expected: bool) -> bool:
    """The authorizer's answer once it has caught up with the RoleBindings just written (its cache cannot be
    watched, so it is asked again until it gives `expected` or 10 s pass); returns the last answer."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            while await _may(kube, user, verb, namespace) != expected:  # noqa: ASYNC110 - no watch can see it
                await asyncio.sleep(0.1)
    return await _may(kube, user, verb, namespace)


async def test_create_tenant_applies_objects_that_confine_the_reconciler_to_its_namespaces(
    reflow: Reflow, kube: Kube, namespace: str
) -> None:
    tenant_ns = [f"{namespace}-front", f"{namespace}-back"]
    try:
        made = await reflow("create", "tenant", "team", "--with-namespace", ",".join(tenant_ns))
        assert made.code == 0, made.stderr
        assert f"applying namespace {tenant_ns[0]}" in made.stderr
        assert "applying role binding team-reconciler" in made.stderr
        assert "tenant setup completed" in made.stderr
        for ns in tenant_ns:
            live = await kube.get(ObjectRef("v1", "Namespace", ns))
            assert live["metadata"]["labels"]["toolkit.fluxcd.io/tenant"] == "team"
            await kube.get(ObjectRef("v1", "ServiceAccount", "team", ns))
            binding = await kube.get(ObjectRef("rbac.authorization.k8s.io/v1", "RoleBinding", "team-reconciler", ns))
            assert binding["roleRef"]["name"] == "cluster-admin"
            assert [s["name"] for s in binding["subjects"]] == [f"gotk:{ns}:reconciler", "team"]

        reconciler = f"gotk:{tenant_ns[0]}:reconciler"
        assert await _settled(kube, reconciler, "create", tenant_ns[0], True)
        assert not await _may(kube, reconciler, "get", namespace)
        assert not await _may(kube, reconciler, "get", tenant_ns[1])
        assert await _settled(kube, "system:serviceaccount:" + tenant_ns[1] + ":team", "delete", tenant_ns[1], True)

        # A second run with another role replaces the binding (its roleRef cannot change in place).
        again = await reflow("create", "tenant", "team", "--with-namespace", tenant_ns[0], "--cluster-role=view")
        assert again.code == 0, again.stderr
        binding = await kube.get(
            ObjectRef("rbac.authorization.k8s.io/v1", "RoleBinding", "team-reconciler", tenant_ns[0])
        )
        assert binding["roleRef"]["name"] == "view"
        assert not await _settled(kube, reconciler, "create", tenant_ns[0], False)
        assert await _may(kube, reconciler, "get", tenant_ns[0])
    finally:
        for ns in tenant_ns:
            with contextlib.suppress(NotFound):
                await kube.delete(ObjectRef("v1", "Namespace", ns))
                await wait_deleted(kube, ObjectRef("v1", "Namespace", ns), timeout=60)
