"""Flux's end-to-end command sequence (fluxcd/flux2 `.github/workflows/e2e.yaml`) run with `reflow` instead of `flux`.

The `reflow` command runs as a subprocess against the session plane; reflow's source-controller and
kustomize-controller run in-process, watching the test's namespace, and fetch from the test git server.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from reflow.api.conditions import condition_true
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_deleted, wait_for
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo
from tests.managers import StartControllers

SRC = Path(__file__).resolve().parents[2] / "src"
SOURCE = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"
TIMEOUT = 90


@dataclass(frozen=True, slots=True)
class Ran:
    """One finished command: exit code and output."""

    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True, slots=True)
class Shell:
    """Runs `reflow` (as `python -m reflow`, this worktree's sources first) and kubectl against the plane."""

    kubeconfig: Path
    namespace: str

    async def _exec(self, *argv: str, stdin: str | None = None) -> Ran:
        env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1"}
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        try:
            async with asyncio.timeout(TIMEOUT):
                stdout, stderr = await process.communicate(stdin.encode() if stdin is not None else None)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode is not None
        return Ran(process.returncode, stdout.decode(), stderr.decode())

    async def reflow(self, *args: str, stdin: str | None = None, ok: bool = True) -> Ran:
        ran = await self._exec(
            sys.executable, "-m", "reflow", *args, "--kubeconfig", str(self.kubeconfig), "-n", self.namespace,
            stdin=stdin,
        )  # fmt: skip
        if ok:
            assert ran.code == 0, f"reflow {' '.join(args)} exited {ran.code}:\n{ran.stdout}\n{ran.stderr}"
        return ran

    async def kubectl_apply(self, manifests: str) -> Ran:
        kubectl = shutil.which("kubectl")
        assert kubectl is not None, "kubectl is not installed"
        ran = await self._exec(kubectl, "--kubeconfig", str(self.kubeconfig), "apply", "-f", "-", stdin=manifests)
        assert ran.code == 0, ran.stderr
        return ran


def podinfo_files(namespace: str, tag: str) -> dict[str, str]:
    """A podinfo-like app: frontend and backend Deployments and a Service, in a dev overlay."""

    def deployment(name: str) -> Manifest:
        labels = {"app": name}
        container = {"name": name, "image": f"ghcr.io/stefanprodan/podinfo:{tag}", "ports": [{"containerPort": 9898}]}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            },
        }

    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "frontend"},
        "spec": {"selector": {"app": "frontend"}, "ports": [{"name": "http", "port": 80, "targetPort": 9898}]},
    }
    base = {"resources": ["frontend.yaml", "backend.yaml", "service.yaml"]}
    overlay = {"namespace": namespace, "resources": ["../../base"]}
    return {
        "deploy/base/frontend.yaml": yaml.safe_dump(deployment("frontend")),
        "deploy/base/backend.yaml": yaml.safe_dump(deployment("backend")),
        "deploy/base/service.yaml": yaml.safe_dump(service),
        "deploy/base/kustomization.yaml": yaml.safe_dump(base),
        "deploy/overlays/dev/kustomization.yaml": yaml.safe_dump(overlay),
    }


def ready_at(revision_prefix: str, field: str = "lastAppliedRevision") -> Callable[[Manifest | None], bool]:
    """Ready=True with the status field (`artifact.revision` for a source) at this tag."""

    def check(obj: Manifest | None) -> bool:
        status = (obj or {}).get("status") or {}
        value = (status.get("artifact") or {}).get("revision") if field == "artifact" else status.get(field)
        return condition_true(obj, "Ready") and str(value or "").startswith(revision_prefix)

    return check


async def until(kube: Kube, ref: ObjectRef, check: Callable[[Manifest | None], bool]) -> Manifest:
    obj = await wait_for(kube, ref, check, timeout=TIMEOUT, what="as expected")
    assert obj is not None
    return obj


async def gone(kube: Kube, ref: ObjectRef) -> None:
    await wait_deleted(kube, ref, timeout=TIMEOUT)
    with pytest.raises(NotFound):
        await kube.get(ref)


async def test_flux_e2e_sequence_for_sources_and_kustomizations(
    kube: Kube,
    kubeconfig: Path,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    ns = namespace
    sh = Shell(kubeconfig, ns)
    repo = make_repo()
    repo.commit(podinfo_files(ns, "6.0.0"), "podinfo 6.0.0")
    first = repo.tag("v6.0.0")
    url = git_http.url(repo.bare.name)
    await start_controllers("source", "kustomize")
    git = lambda name: ObjectRef(SOURCE, "GitRepository", name, ns)  # noqa: E731
    ks = lambda name: ObjectRef(KUSTOMIZE, "Kustomization", name, ns)  # noqa: E731
    deployment = lambda name: ObjectRef("apps/v1", "Deployment", name, ns)  # noqa: E731

    # flux create secret git
    password = git_http.password or ""
    await sh.reflow("create", "secret", "git", "git-https-test", "--url", url, f"--username={GIT_USERNAME}",
                    f"--password={password}")  # fmt: skip
    secret = await kube.get(ObjectRef("v1", "Secret", "git-https-test", ns))
    data = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert data == {"username": GIT_USERNAME, "password": password}

    # flux create source git (semver)
    ran = await sh.reflow("create", "source", "git", "podinfo", "--url", url, "--tag-semver=>=6.0.0",
                          "--secret-ref", "git-https-test")  # fmt: skip
    source = await until(kube, git("podinfo"), ready_at("v6.0.0", "artifact"))
    assert source["status"]["artifact"]["revision"] == f"v6.0.0@sha1:{first}"
    assert source["spec"]["ref"] == {"semver": ">=6.0.0"}
    assert f"v6.0.0@sha1:{first}" in ran.stdout + ran.stderr

    # flux create source git export apply; flux delete source git --silent
    exported = await sh.reflow("create", "source", "git", "podinfo-export", "--url", url, "--tag-semver=>=6.0.0",
                               "--secret-ref", "git-https-test", "--export")  # fmt: skip
    document = yaml.safe_load(exported.stdout)
    assert (document["kind"], document["metadata"]["name"], document["metadata"]["namespace"]) == (
        "GitRepository", "podinfo-export", ns,
    )  # fmt: skip
    with pytest.raises(NotFound):
        await kube.get(git("podinfo-export"))
    await sh.kubectl_apply(exported.stdout)
    await until(kube, git("podinfo-export"), ready_at("v6.0.0", "artifact"))
    await sh.reflow("delete", "source", "git", "podinfo-export", "--silent")
    await gone(kube, git("podinfo-export"))

    # flux get sources git [--all-namespaces]
    ran = await sh.reflow("get", "sources", "git")
    assert ran.stdout.split()[:5] == ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"]
    row = next(line for line in ran.stdout.splitlines() if line.startswith("podinfo"))
    assert f"v6.0.0@sha1:{first[:10]}" in row or f"v6.0.0@sha1:{first}" in row
    assert row.split()[2:4] == ["False", "True"]
    ran = await sh.reflow("get", "sources", "git", "--all-namespaces")
    assert any(line.split()[:2] == [ns, "podinfo"] for line in ran.stdout.splitlines())

    # flux create kustomization with health checks
    await sh.reflow(
        "create", "kustomization", "podinfo", "--source=podinfo", "--path=./deploy/overlays/dev", "--prune=true",
        "--interval=5m", f"--health-check=Deployment/frontend.{ns}", f"--health-check=Deployment/backend.{ns}",
        "--health-check-timeout=3m",
    )  # fmt: skip
    applied = await until(kube, ks("podinfo"), ready_at("v6.0.0"))
    assert applied["spec"]["healthChecks"] == [
        {"kind": "Deployment", "name": "frontend", "namespace": ns},
        {"kind": "Deployment", "name": "backend", "namespace": ns},
    ]
    assert applied["spec"]["prune"] is True
    assert condition_true(applied, "Healthy")
    ids = {entry["id"] for entry in applied["status"]["inventory"]["entries"]}
    assert ids == {f"{ns}_frontend_apps_Deployment", f"{ns}_backend_apps_Deployment", f"{ns}_frontend__Service"}
    frontend = await kube.get(deployment("frontend"))
    assert frontend["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] == "podinfo"

    # flux trace
    ran = await sh.reflow("trace", "frontend", "--kind=deployment", "--api-version=apps/v1")
    for expected in ("Kustomization:  podinfo", "GitRepository:  podinfo", f"v6.0.0@sha1:{first}"):
        assert expected in ran.stdout, ran.stdout

    # a new tag, then flux reconcile kustomization --with-source
    repo.commit(podinfo_files(ns, "6.0.1"), "podinfo 6.0.1")
    second = repo.tag("v6.0.1")
    ran = await sh.reflow("reconcile", "kustomization", "podinfo", "--with-source")
    assert f"v6.0.1@sha1:{second}" in ran.stdout + ran.stderr
    reconciled = await kube.get(ks("podinfo"))
    assert ready_at(f"v6.0.1@sha1:{second}")(reconciled)
    assert ready_at(f"v6.0.1@sha1:{second}", "artifact")(await kube.get(git("podinfo")))
    frontend = await kube.get(deployment("frontend"))
    assert frontend["spec"]["template"]["spec"]["containers"][0]["image"] == "ghcr.io/stefanprodan/podinfo:6.0.1"

    # flux get kustomizations [--all-namespaces]
    ran = await sh.reflow("get", "kustomizations")
    row = next(line for line in ran.stdout.splitlines() if line.startswith("podinfo"))
    assert row.split()[1:4] == [f"v6.0.1@sha1:{second}", "False", "True"]
    ran = await sh.reflow("get", "kustomizations", "--all-namespaces")
    assert any(line.split()[:2] == [ns, "podinfo"] for line in ran.stdout.splitlines())

    # flux suspend / resume kustomization
    await sh.reflow("suspend", "kustomization", "podinfo")
    assert (await kube.get(ks("podinfo")))["spec"]["suspend"] is True
    ran = await sh.reflow("get", "kustomizations")
    row = next(line for line in ran.stdout.splitlines() if line.startswith("podinfo"))
    assert row.split()[2] == "True"
    await sh.reflow("resume", "kustomization", "podinfo")
    resumed = await kube.get(ks("podinfo"))
    assert not resumed["spec"].get("suspend")
    assert ready_at(f"v6.0.1@sha1:{second}")(resumed)

    # flux export
    ran = await sh.reflow("export", "source", "git", "--all")
    sources = [d for d in yaml.safe_load_all(ran.stdout) if d]
    assert [(d["kind"], d["metadata"]["name"]) for d in sources] == [("GitRepository", "podinfo")]
    assert "status" not in sources[0]
    assert sources[0]["spec"]["ref"] == {"semver": ">=6.0.0"}
    ran = await sh.reflow("export", "kustomization", "--all")
    kustomizations = [d for d in yaml.safe_load_all(ran.stdout) if d]
    assert [(d["kind"], d["metadata"]["name"]) for d in kustomizations] == [("Kustomization", "podinfo")]
    assert "status" not in kustomizations[0]
    assert kustomizations[0]["spec"]["path"] == "./deploy/overlays/dev"

    # flux delete kustomization --silent: gone, and with prune its objects are garbage collected
    await sh.reflow("delete", "kustomization", "podinfo", "--silent")
    await gone(kube, ks("podinfo"))
    await gone(kube, deployment("frontend"))
    await gone(kube, deployment("backend"))

    # flux delete source git --silent
    await sh.reflow("delete", "source", "git", "podinfo", "--silent")
    await gone(kube, git("podinfo"))
