"""`kubeConfig`: the release is made in a remote cluster, from a kubeconfig Secret (inline data only) or a
ConfigMap naming the cluster and a ServiceAccount whose requested token the remote cluster trusts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.options import ConnectionOptions
from reflow.kube.wait import wait_for
from tests.controllers.helm.charts import HELM, ChartArtifacts, helm_cli, helm_release, ready_with, until
from tests.controllers.kustomize.test_remote_configmap import (  # noqa: F401 (discovery_for_anyone is a fixture)
    AUDIENCE,
    RBAC,
    audit_events,
    discovery_for_anyone,
    remote_config_map,
    trusting_plane,
)
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


def kubeconfig_secret(namespace: str, kubeconfig: bytes) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "remote", "namespace": namespace},
            "data": {"value": base64.b64encode(kubeconfig).decode()}}  # fmt: skip


async def test_a_release_is_installed_upgraded_and_uninstalled_in_the_remote_cluster(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    private_plane: Callable[[], LocalPlane],
) -> None:
    remote = private_plane()
    await kube.create(kubeconfig_secret(namespace, remote.kubeconfig.read_bytes()))
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    # The HelmRelease's namespace does not exist over there: the records go with the release, as a Flux user sets.
    spec = {"kubeConfig": {"secretRef": {"name": "remote"}}, "targetNamespace": "far", "storageNamespace": "far",
            "install": {"createNamespace": True}}  # fmt: skip
    await kube.create(helm_release(namespace, "web", **spec))

    installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    assert installed["status"]["storageNamespace"] == "far"
    async with connect(ConnectionOptions(kubeconfig=str(remote.kubeconfig))) as far:
        live = await far.get(ObjectRef("v1", "ConfigMap", "far-web-config", "far"))
        assert live["data"] == {"greeting": "hello"}
        history = json.loads(helm_cli(remote.kubeconfig, "far", "history", "far-web", "-o", "json"))
        assert [entry["status"] for entry in history] == ["deployed"]
        with pytest.raises(NotFound):  # nothing landed in the controller's own cluster
            await kube.get(ObjectRef("v1", "ConfigMap", "far-web-config", "far"))

        await charts.publish("app", "0.2.0", greeting="upgraded")
        await until(kube, namespace, "web", lambda o: (o or {}).get("status", {}).get("lastAttemptedRevision")
                    == "0.2.0" and ready_with("UpgradeSucceeded")(o))  # fmt: skip
        live = await far.get(ObjectRef("v1", "ConfigMap", "far-web-config", "far"))
        assert live["data"] == {"greeting": "upgraded"}

        await kube.delete(ObjectRef(HELM, "HelmRelease", "web", namespace))
        gone = ObjectRef(HELM, "HelmRelease", "web", namespace)
        assert await wait_for(kube, gone, lambda o: o is None, timeout=60, what="uninstalled") is None
        with pytest.raises(NotFound):
            await far.get(ObjectRef("v1", "ConfigMap", "far-web-config", "far"))


@pytest.mark.parametrize(
    ("user", "field_name"),
    [
        pytest.param({"tokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token"}, "tokenFile", id="tokenFile"),
        pytest.param({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "sh"}}, "exec", id="exec"),
    ],
)
async def test_a_kubeconfig_naming_a_file_or_a_program_is_refused_with_the_field(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    user: dict[str, object],
    field_name: str,
) -> None:
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "c",
              "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
              "users": [{"name": "u", "user": user}],
              "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}  # fmt: skip
    await kube.create(kubeconfig_secret(namespace, yaml.safe_dump(config).encode()))
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", kubeConfig={"secretRef": {"name": "remote"}}))

    refused = await until(kube, namespace, "web", ready_with("ReconciliationFailed", "False"))
    message = condition(refused, "Ready")["message"]  # type: ignore[index]
    assert field_name in message
    assert "/var/run/secrets" not in message


@pytest.mark.usefixtures("discovery_for_anyone")
async def test_a_release_reaches_a_remote_cluster_with_a_requested_service_account_token(
    kube: Kube,
    namespace: str,
    plane: LocalPlane,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    private_plane: Callable[..., LocalPlane],
    tmp_path: Path,
) -> None:
    remote = await trusting_plane(kube, plane, private_plane, tmp_path)
    async with connect(ConnectionOptions(kubeconfig=str(remote.kubeconfig))) as far:
        # All rights, in `default` only: helm also lists and writes its storage Secrets there.
        await far.create(
            {
                "apiVersion": RBAC,
                "kind": "RoleBinding",
                "metadata": {"name": "deployer", "namespace": "default"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": namespace}],
            }
        )
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": "deployer", "namespace": namespace}})  # fmt: skip
    manifest = remote_config_map("remote", remote, audiences=AUDIENCE, serviceAccountName="deployer")
    await kube.create({**manifest, "metadata": {"name": "remote", "namespace": namespace}})
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    spec = {"kubeConfig": {"configMapRef": {"name": "remote"}}, "targetNamespace": "default",
            "storageNamespace": "default", "releaseName": "web"}  # fmt: skip
    await kube.create(helm_release(namespace, "web", **spec))

    await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    async with connect(ConnectionOptions(kubeconfig=str(remote.kubeconfig))) as far:
        live = await far.get(ObjectRef("v1", "ConfigMap", "web-config", "default"))
    assert live["data"] == {"greeting": "hello"}
    writes = [e for e in audit_events(remote) if (e.get("objectRef") or {}).get("name") == "web-config"
              and e["verb"] in ("create", "patch", "update")]  # fmt: skip
    assert {e["user"]["username"] for e in writes} == {f"system:serviceaccount:{namespace}:deployer"}
