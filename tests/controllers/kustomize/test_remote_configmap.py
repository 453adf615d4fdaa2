"""A remote cluster through `kubeConfig.configMapRef` (provider generic): the controller requests a ServiceAccount
token from its own cluster and the remote cluster, trusting that cluster's issuer, accepts it.

The remote is a second real plane whose API server has a JWT authenticator for the session plane's
ServiceAccount issuer (structured authentication configuration); it fetches the issuer's keys from
the session plane, which lets unauthenticated clients read them as Kubernetes' docs suggest.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.options import ConnectionOptions
from tests.controllers.kustomize.sources import MakeSource, ready_for
from tests.controllers.kustomize.test_apply import config_map
from tests.managers import StartControllers

AUDIENCE = "reflow-remote-test"
RBAC = "rbac.authorization.k8s.io/v1"


def audit_events(plane: LocalPlane) -> list[dict[str, Any]]:
    return [json.loads(line) for line in plane.audit_log.read_text().splitlines() if line.strip()]


@pytest.fixture
async def discovery_for_anyone(kube: Kube) -> AsyncIterator[None]:
    """Let unauthenticated clients read the session plane's issuer discovery and keys (a remote API server does)."""
    name = f"reflow-test-issuer-discovery-{secrets.token_hex(3)}"
    await kube.create({
        "apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "system:service-account-issuer-discovery"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"}],
    })  # fmt: skip
    yield
    with contextlib.suppress(NotFound):
        await kube.delete(ObjectRef(RBAC, "ClusterRoleBinding", name))


async def trusting_plane(
    kube: Kube, plane: LocalPlane, private_plane: Callable[..., LocalPlane], folder: Path
) -> LocalPlane:
    """A plane that accepts the session plane's ServiceAccount tokens for AUDIENCE, as `system:serviceaccount:…`."""
    discovery = await kube.get_path("/.well-known/openid-configuration")
    authentication = {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AuthenticationConfiguration",
        "jwt": [{
            "issuer": {
                "url": discovery["issuer"],
                "discoveryURL": f"{plane.server()}/.well-known/openid-configuration",
                "certificateAuthority": (plane.cluster_dir / "pki" / "ca.crt").read_text(),
                "audiences": [AUDIENCE],
            },
            "claimMappings": {"username": {"claim": "sub", "prefix": ""}},
        }],
    }  # fmt: skip
    config = folder / "authentication.json"
    config.write_text(json.dumps(authentication))
    # The remote's own issuer must differ from the one it trusts; kwokctl gives every plane the same.
    return private_plane(
        apiserver_flags={"authentication-config": str(config)},
        apiserver_overrides={"service-account-issuer": "https://remote.reflow.invalid"},
    )


def failed_with(words: str) -> Callable[[Manifest | None], bool]:
    """Ready=False with a message holding `words` (not the early "source not ready" one)."""

    def check(ks: Manifest | None) -> bool:
        ready = condition(ks, "Ready") or {}
        return ready.get("status") == "False" and words in ready.get("message", "")

    return check


def remote_config_map(name: str, remote: LocalPlane, **data: str) -> Manifest:
    return {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
        "data": {"provider": "generic", "address": remote.server() or "",
                 "ca.crt": (remote.cluster_dir / "pki" / "ca.crt").read_text(), **data},
    }  # fmt: skip


async def test_a_remote_cluster_is_reconciled_with_a_requested_service_account_token(
    kube: Kube,
    namespace: str,
    plane: LocalPlane,
    start_controllers: StartControllers,
    git_source: MakeSource,
    private_plane: Callable[..., LocalPlane],
    discovery_for_anyone: None,
    tmp_path: Path,
) -> None:
    remote = await trusting_plane(kube, plane, private_plane, tmp_path)
    identity = f"system:serviceaccount:{namespace}:deployer"
    async with connect(ConnectionOptions(kubeconfig=str(remote.kubeconfig))) as far:
        await far.create({
            "apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": "deployer", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": namespace}],
        })  # fmt: skip
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": "deployer", "namespace": namespace}})  # fmt: skip
    for name, audiences in (("remote", AUDIENCE), ("elsewhere", "another-cluster")):
        manifest = remote_config_map(name, remote, audiences=audiences, serviceAccountName="deployer")
        await kube.create({**manifest, "metadata": {"name": name, "namespace": namespace}})
    source, revision = await git_source({"cm.yaml": config_map("far-away", "default", where="remote")})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("remote", kubeConfig={"configMapRef": {"name": "remote"}}))
    await kube.create(source.kustomization("elsewhere", kubeConfig={"configMapRef": {"name": "elsewhere"}}))

    await source.until("remote", ready_for(revision))
    async with connect(ConnectionOptions(kubeconfig=str(remote.kubeconfig))) as far:
        applied = await far.get(ObjectRef("v1", "ConfigMap", "far-away", "default"))
    assert applied["data"] == {"where": "remote"}
    writes = [e for e in audit_events(remote) if (e.get("objectRef") or {}).get("name") == "far-away"
              and e["verb"] in ("create", "patch")]  # fmt: skip
    assert writes
    assert {e["user"]["username"] for e in writes} == {identity}
    requests = [e for e in audit_events(plane) if e.get("objectRef", {}).get("subresource") == "token"
                and e["objectRef"].get("namespace") == namespace]  # fmt: skip
    assert requests
    assert all(e["objectRef"]["name"] == "deployer" and e["verb"] == "create" for e in requests)

    # The same account's token asked for another audience is refused by the remote cluster.
    refused = await source.until("elsewhere", failed_with("Unauthorized"))
    assert condition(refused, "Ready")["message"] == "ConfigMap/default/far-away failed: Unauthorized"  # type: ignore[index]


async def test_a_config_map_that_cannot_give_a_token_says_why(
    kube: Kube, namespace: str, plane: LocalPlane, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    config_maps = {
        "ghost": {"serviceAccountName": "ghost"},
        "cloud": {"provider": "aws", "cluster": "arn:aws:eks:eu-west-1:123456789012:cluster/far"},
    }
    for name, data in config_maps.items():
        manifest = remote_config_map(name, plane, **data)
        await kube.create({**manifest, "metadata": {"name": name, "namespace": namespace}})
    source, _ = await git_source({"cm.yaml": config_map("never", "default", where="nowhere")})
    await start_controllers("source", "kustomize")
    for name in config_maps:
        await kube.create(source.kustomization(name, kubeConfig={"configMapRef": {"name": name}}))

    ghost = condition(await source.until("ghost", failed_with("kubeconfig")), "Ready")
    assert ghost is not None
    assert f"ConfigMap '{namespace}/ghost'" in ghost["message"]
    assert f"ServiceAccount '{namespace}/ghost' not found" in ghost["message"]
    cloud = condition(await source.until("cloud", failed_with("kubeconfig")), "Ready")
    assert cloud is not None
    assert "provider 'aws'" in cloud["message"]
    assert "not supported in this build" in cloud["message"]


async def test_a_config_map_cannot_get_a_token_of_another_namespace(
    kube: Kube, namespace: str, plane: LocalPlane, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    other = f"{namespace}-victim"
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": other}})
    try:
        await kube.create({"apiVersion": "v1", "kind": "ServiceAccount",
                           "metadata": {"name": "admin", "namespace": other}})  # fmt: skip
        # The name climbs out of the Kustomization's namespace in the TokenRequest URL.
        climbing = f"../../{other}/serviceaccounts/admin"
        manifest = remote_config_map("escape", plane, serviceAccountName=climbing)
        await kube.create({**manifest, "metadata": {"name": "escape", "namespace": namespace}})
        source, _ = await git_source({"cm.yaml": config_map("never", "default", where="nowhere")})
        await start_controllers("source", "kustomize")
        await kube.create(source.kustomization("escape", kubeConfig={"configMapRef": {"name": "escape"}}))

        refused = condition(await source.until("escape", failed_with("kubeconfig")), "Ready")
        assert refused is not None
        assert "not a valid ServiceAccount name" in refused["message"]
        minted = [e for e in audit_events(plane) if e.get("objectRef", {}).get("subresource") == "token"
                  and e["objectRef"].get("namespace") == other]  # fmt: skip
        assert minted == []
    finally:
        with contextlib.suppress(NotFound):
            await kube.delete(ObjectRef("v1", "Namespace", other))
