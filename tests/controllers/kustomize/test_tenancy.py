"""Impersonation limits what a Kustomization may apply; a remote cluster is reconciled through its kubeconfig;
SOPS-encrypted Secrets reach the cluster decrypted and appear nowhere else."""

from __future__ import annotations

import base64
from collections.abc import Callable

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube, connect
from reflow.kube.options import ConnectionOptions
from reflow.kube.wait import wait_for
from tests.controllers.kustomize.decryption import SOPS_DECRYPTION, sops_encrypt, sops_key
from tests.controllers.kustomize.sources import MakeSource, failing, ready_for
from tests.controllers.kustomize.test_apply import config_map
from tests.managers import StartControllers


async def test_impersonation_is_denied_what_the_service_account_may_not_do(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "tenant", "namespace": namespace}}
    )
    await kube.create({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "configmaps", "namespace": namespace},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["*"]}],
    })  # fmt: skip
    await kube.create({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "tenant", "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "configmaps"},
        "subjects": [{"kind": "ServiceAccount", "name": "tenant", "namespace": namespace}],
    })  # fmt: skip
    secret = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: nope\n  namespace: {namespace}\nstringData:\n  a: b\n"
    source, revision = await git_source(
        {"allowed/cm.yaml": config_map("fine", namespace, a="1"), "denied/secret.yaml": secret}
    )
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("allowed", path="./allowed", serviceAccountName="tenant"))
    await kube.create(source.kustomization("denied", path="./denied", serviceAccountName="tenant"))
    await source.until("allowed", ready_for(revision))
    denied = await source.until("denied", failing("ReconciliationFailed"))
    message = condition(denied, "Ready")["message"]  # type: ignore[index]
    assert f"system:serviceaccount:{namespace}:tenant" in message
    assert "forbidden" in message.lower()


async def test_a_remote_cluster_is_reconciled_through_its_kubeconfig(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_source: MakeSource,
    private_plane: Callable[[], LocalPlane],
) -> None:
    remote = private_plane()
    kubeconfig = remote.kubeconfig.read_bytes()
    await kube.create({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "remote", "namespace": namespace},
        "data": {"value": base64.b64encode(kubeconfig).decode()},
    })  # fmt: skip
    source, revision = await git_source({"cm.yaml": config_map("far-away", "default", where="remote")})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("remote", kubeConfig={"secretRef": {"name": "remote"}}))
    await source.until("remote", ready_for(revision))
    async with connect(ConnectionOptions(kubeconfig=str(remote.kubeconfig))) as far:
        applied = await far.get(ObjectRef("v1", "ConfigMap", "far-away", "default"))
    assert applied["data"] == {"where": "remote"}
    assert applied["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] == "remote"


async def test_a_sops_secret_reaches_the_cluster_decrypted_and_nowhere_else(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    password = "correct-horse-battery-staple"
    plain = (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: {namespace}\n"
        f"stringData:\n  password: {password}\n"
    )
    encrypted = sops_encrypt(plain, await sops_key(kube, namespace))
    assert password not in encrypted
    source, revision = await git_source({"secret.yaml": encrypted})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("secrets", decryption=SOPS_DECRYPTION))
    done = await source.until("secrets", ready_for(revision))
    stored = await kube.get(ObjectRef("v1", "Secret", "db", namespace))
    assert base64.b64decode(stored["data"]["password"]).decode() == password
    assert "sops" not in stored
    events = await kube.list_all("v1", "Event", namespace)
    assert password not in str(done) + str(events)

    await kube.create(source.kustomization("plain"))
    refused = await wait_for(kube, ObjectRef(done["apiVersion"], "Kustomization", "plain", namespace),
                             failing("BuildFailed"), timeout=60, what="refused")  # fmt: skip
    assert "decrypt" in condition(refused, "Ready")["message"].lower()  # type: ignore[index]
    assert password not in str(refused)
