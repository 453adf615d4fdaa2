"""`reflow install` and `reflow uninstall` as a user runs them: export, apply and wait, remove without a trace."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.engines.install import install_selector
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.options import ConnectionOptions

SRC = Path(__file__).resolve().parents[2] / "src"
SELECTOR = install_selector("flux-system")


def reflow(*args: str, timeout: float = 400, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    env.pop("FLUX_SYSTEM_NAMESPACE", None)
    command = [sys.executable, "-m", "reflow", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False, input=stdin)


def git_repository(namespace: str) -> Manifest:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": "podinfo", "namespace": namespace, "finalizers": ["finalizers.fluxcd.io"]},
        "spec": {"interval": "1m", "url": "https://github.com/stefanprodan/podinfo"},
    }


async def leftovers(kube: Kube) -> list[str]:
    """Every object an install leaves when not removed: labelled objects, Flux CRDs, the namespace."""
    found = []
    for api_version, kind in [
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ]:
        found += [
            f"{kind}/{o['metadata']['name']}" for o in await kube.list_all(api_version, kind, label_selector=SELECTOR)
        ]
    crds = await kube.list_all("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    found += [f"CRD/{o['metadata']['name']}" for o in crds if "fluxcd.io" in o["spec"]["group"]]
    try:
        await kube.get(ObjectRef("v1", "Namespace", "flux-system"))
        found.append("Namespace/flux-system")
    except NotFound:
        pass
    return found


def test_help_of_both_commands_shows_an_example() -> None:
    for command in ("install", "uninstall"):
        shown = reflow(command, "--help")
        assert shown.returncode == 0, shown.stderr
        assert "Example" in shown.stdout
        assert f"reflow {command}" in shown.stdout


def test_unknown_component_is_one_line_with_a_hint_and_exit_code_1() -> None:
    refused = reflow("install", "--export", "--components-extra=tf-controller")
    assert refused.returncode == 1
    assert refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert lines[0].startswith("✗ unknown component tf-controller; choose from source-controller")
    assert lines[1].strip().startswith("hint:")


async def test_exported_manifests_pass_a_server_side_dry_run(kube: Kube, kubeconfig: Path, namespace: str) -> None:
    exported = reflow(
        "install",
        "--export",
        "-n",
        namespace,
        "--components-extra=source-watcher,image-reflector-controller,image-automation-controller,ui",
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("# reflow v")
    manifests = [doc for doc in yaml.safe_load_all(exported.stdout) if doc]
    assert len([m for m in manifests if m["kind"] == "Deployment"]) == 8
    for manifest in manifests:
        answer = await kube.apply(manifest, field_manager="reflow", force=True, dry_run=True)
        assert answer["metadata"]["name"] == manifest["metadata"]["name"]
    with_defaults = await kube.apply(
        next(m for m in manifests if m["kind"] == "Deployment"), field_manager="reflow", dry_run=True
    )
    assert with_defaults["spec"]["template"]["spec"]["containers"][0]["image"].startswith("ghcr.io/reflow-dev/reflow:")


async def test_install_asks_before_taking_over_another_tools_install_and_refuses_a_bootstrapped_one(
    kube: Kube, kubeconfig: Path, namespace: str, flux_crds: list[Manifest]
) -> None:
    crd = ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", "gitrepositories.source.toolkit.fluxcd.io")
    keys = ("app.kubernetes.io/managed-by", "kustomize.toolkit.fluxcd.io/name", "kustomize.toolkit.fluxcd.io/namespace")
    before = (await kube.get(crd))["metadata"].get("labels") or {}
    try:
        await kube.patch(crd, {"metadata": {"labels": {keys[0]: "Helm", keys[1]: None, keys[2]: None}}})
        declined = reflow("install", "--kubeconfig", str(kubeconfig), "-n", namespace, stdin="n\n")
        assert declined.returncode == 1
        assert "has been installed on this cluster with Helm!" in declined.stderr
        assert "installation cancelled before anything changed" in declined.stderr
        await kube.patch(crd, {"metadata": {"labels": {keys[1]: "flux-system", keys[2]: "flux-system"}}})
        refused = reflow("install", "--kubeconfig", str(kubeconfig), "-n", namespace, "--force")
        assert refused.returncode == 1
        assert "this cluster has already been bootstrapped" in refused.stderr
    finally:
        await kube.patch(crd, {"metadata": {"labels": {key: before.get(key) for key in keys}}})
    assert await kube.list_all("apps/v1", "Deployment", namespace) == []


async def test_install_waits_until_ready_and_uninstall_leaves_nothing_behind(
    private_plane: Callable[[], LocalPlane],
) -> None:
    plane = private_plane()
    kc = str(plane.kubeconfig)
    installed = reflow(
        "install", "--kubeconfig", kc, "--timeout", "4m", "--components-extra=source-watcher,image-reflector-controller"
    )
    assert installed.returncode == 0, installed.stderr
    assert "CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io Established" in installed.stderr
    assert "Deployment/source-watcher Available" in installed.stderr
    async with connect(ConnectionOptions(kubeconfig=kc, user_agent="reflow-tests")) as kube:
        deployments = await kube.list_all("apps/v1", "Deployment", "flux-system", label_selector=SELECTOR)
        assert len(deployments) == 6
        assert all(d["status"].get("availableReplicas") == 1 for d in deployments)
        crd = await kube.get(
            ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", "gitrepositories.source.toolkit.fluxcd.io")
        )
        assert crd["metadata"]["managedFields"][0]["manager"] == "reflow"
        await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
        await kube.create(git_repository("apps"))

        again = reflow(
            "install",
            "--kubeconfig",
            kc,
            "--timeout",
            "2m",
            "--components-extra=source-watcher,image-reflector-controller",
        )
        assert again.returncode == 0, again.stderr

        rehearsal = reflow("uninstall", "--kubeconfig", kc, "--dry-run")
        assert rehearsal.returncode == 0, rehearsal.stderr
        assert "GitRepository/apps/podinfo finalizers deleted (dry run)" in rehearsal.stderr
        assert "Deployment/flux-system/source-controller deleted (dry run)" in rehearsal.stderr
        assert "Namespace/flux-system deleted (dry run)" in rehearsal.stderr
        assert len(await leftovers(kube)) > 10
        held = await kube.get(ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "podinfo", "apps"))
        assert held["metadata"]["finalizers"] == ["finalizers.fluxcd.io"]

        removed = reflow("uninstall", "--kubeconfig", kc, "--silent", "--timeout", "3m")
        assert removed.returncode == 0, removed.stderr
        assert "GitRepository/apps/podinfo finalizers deleted" in removed.stderr
        assert "uninstall finished" in removed.stderr
        assert await leftovers(kube) == []
        assert [n["metadata"]["name"] for n in await kube.list_all("v1", "Namespace")].count("apps") == 1


def _held(api_version: str, kind: str, spec: Manifest) -> Manifest:
    """A Flux object in flux-system holding the finalizer its controller would act on when it is deleted."""
    metadata = {"name": "apps", "namespace": "flux-system", "finalizers": ["finalizers.fluxcd.io"]}
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}


async def test_uninstall_keeps_workloads_and_the_namespace_when_asked(private_plane: Callable[[], LocalPlane]) -> None:
    plane = private_plane()
    kc = str(plane.kubeconfig)
    installed = reflow(
        "install", "--kubeconfig", kc, "--components=source-controller,kustomize-controller,helm-controller",
        "--network-policy=false", "--image-pull-secret=regcred", "--registry-creds=bot:pull-pw",
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    assert "reconciled image pull secret regcred" in installed.stderr
    assert "pull-pw" not in installed.stdout + installed.stderr
    async with connect(ConnectionOptions(kubeconfig=kc, user_agent="reflow-tests")) as kube:
        crd = ObjectRef(
            "apiextensions.k8s.io/v1", "CustomResourceDefinition", "gitrepositories.source.toolkit.fluxcd.io"
        )
        await kube.patch(crd, {"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"}}})
        declined = reflow("uninstall", "--kubeconfig", kc, stdin="n\n")
        assert declined.returncode == 1
        assert "Flux is managed by Helm! Are you sure you want to delete Flux and its CRDs" in declined.stderr
        deployments = await kube.list_all("apps/v1", "Deployment", "flux-system")
        assert [d["spec"]["template"]["spec"]["imagePullSecrets"] for d in deployments] == [[{"name": "regcred"}]] * 3
        pull = await kube.get(ObjectRef("v1", "Secret", "regcred", "flux-system"))
        assert pull["type"] == "kubernetes.io/dockerconfigjson"

        # What the controllers applied, and the objects that applied it, with their finalizers.
        await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
        web = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "apps"}}
        await kube.create(web)
        source = {"kind": "GitRepository", "name": "apps"}
        ks = _held(
            "kustomize.toolkit.fluxcd.io/v1", "Kustomization", {"interval": "1m", "prune": True, "sourceRef": source}
        )
        await kube.create(ks)
        inventory = {"entries": [{"id": "apps_web__ConfigMap", "v": "v1"}]}
        await kube.patch(ObjectRef.of(ks), {"status": {"inventory": inventory}}, subresource="status")
        chart = {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "apps"}}}
        await kube.create(_held("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"interval": "1m", "chart": chart}))

        removed = reflow("uninstall", "--kubeconfig", kc, "-s", "--keep-namespace", "--timeout", "3m")
        assert removed.returncode == 0, removed.stderr
        shown = removed.stderr
        assert (
            shown.index("deleting components in flux-system namespace")
            < shown.index("Kustomization/flux-system/apps finalizers deleted")
            < shown.index("CustomResourceDefinition/kustomizations.kustomize.toolkit.fluxcd.io deleted")
        )
        assert "HelmRelease/flux-system/apps finalizers deleted" in shown
        assert await leftovers(kube) == ["Namespace/flux-system"]
        assert await kube.list_all("apps/v1", "Deployment", "flux-system") == []
        assert await kube.list_all("v1", "ServiceAccount", "flux-system", label_selector=SELECTOR) == []
        assert (await kube.get(ObjectRef.of(web)))["metadata"]["name"] == "web"
