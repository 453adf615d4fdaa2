"""Charts for HelmRelease tests: `helm create` with its templates replaced by ones whose behaviour values choose,
stored as artifacts of ExternalArtifacts, as an ArtifactGenerator publishes them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reflow.api.artifact import Artifact
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import render
from reflow.dev.gobuild import binary
from reflow.engines.artifact import Storage, artifact_path
from reflow.kube.client import Kube
from reflow.kube.errors import AlreadyExists
from reflow.kube.wait import wait_for
from tests.gitservers import run

SOURCE = "source.toolkit.fluxcd.io/v1"
HELM = "helm.toolkit.fluxcd.io/v2"

VALUES = """greeting: hello
replicas: 1
unschedulable: false
failTest: false
"""

TEMPLATES = {
    "configmap.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ required "greeting is required" .Values.greeting | quote }}
""",
    "deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-app
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      {{- if .Values.unschedulable }}
      nodeSelector: {reflow.test/none: nowhere}
      {{- end }}
      containers:
        - name: web
          image: registry.local/app:1.0
""",
    # Helm records a ConfigMap hook as run at once; an invalid name makes the API server refuse it: a failed test.
    "tests/check.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ if .Values.failTest }}Not_A_Valid_Name{{ else }}{{ .Release.Name }}-check{{ end }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation
data:
  greeting: {{ .Values.greeting | quote }}
""",
}


def make_chart(scratch: Path, name: str, version: str, greeting: str = "hello") -> Path:
    """`helm create` a chart, replace its templates with `TEMPLATES` and its values with `VALUES` (with the
    default `greeting`), and package it."""
    folder = scratch / f"{name}-{version}-{greeting}"
    folder.mkdir(parents=True)
    chart = folder / name
    run(binary("helm"), "create", chart)
    shutil.rmtree(chart / "templates")
    for relative, text in TEMPLATES.items():
        path = chart / "templates" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (chart / "values.yaml").write_text(VALUES.replace("greeting: hello", f"greeting: {greeting}"))
    run(binary("helm"), "package", chart, "--version", version, "--destination", folder)
    return folder / f"{name}-{version}.tgz"


@dataclass
class ChartArtifacts:
    """Charts published as ExternalArtifacts in the test namespace, served by an artifact server."""

    kube: Kube
    namespace: str
    storage: Storage
    scratch: Path
    packages: dict[str, Path] = field(default_factory=dict)
    """The chart package of each published version."""

    async def publish(
        self, name: str, version: str, source: str = "app", *, kind: str = "ExternalArtifact", greeting: str = "hello"
    ) -> Artifact:
        """Package chart `name` at `version` (its default greeting `greeting`) and point the source `source` of
        `kind` (ExternalArtifact, or OCIRepository with an OCI revision) at it."""
        package = make_chart(self.scratch, name, version, greeting)
        self.packages[version] = package
        path = artifact_path(kind, self.namespace, source, package.name)
        data = package.read_bytes()
        revision = f"{version}@sha256:{hashlib.sha256(data).hexdigest()}" if kind == "OCIRepository" else version
        artifact = await self.storage.store_bytes(path, data, revision)
        spec = {"url": f"oci://registry.local/charts/{name}", "interval": "1h"} if kind == "OCIRepository" else {}
        manifest = {"apiVersion": SOURCE, "kind": kind,
                    "metadata": {"name": source, "namespace": self.namespace}, "spec": spec}  # fmt: skip
        with contextlib.suppress(AlreadyExists):
            await self.kube.create(manifest)
        ready = {"type": "Ready", "status": "True", "reason": "Succeeded", "message": f"chart {version}",
                 "lastTransitionTime": artifact.last_update_time}  # fmt: skip
        ref = ObjectRef(SOURCE, kind, source, self.namespace)
        await self.kube.patch(ref, {"status": {"artifact": render(artifact), "conditions": [ready]}},
                              subresource="status")  # fmt: skip
        return artifact


@dataclass
class Notifications:
    """Event bodies the controllers POSTed to `url`, as the notification controller receives them."""

    url: str
    bodies: list[Manifest] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def until(self, check: Callable[[Manifest], bool], timeout: float = 30) -> Manifest:
        """The first body `check` accepts, waiting for more to arrive."""
        async with asyncio.timeout(timeout):
            while True:
                self.arrived.clear()
                found = next((body for body in self.bodies if check(body)), None)
                if found is not None:
                    return found
                await self.arrived.wait()


def helm_release(namespace: str, name: str, source: str = "app", **spec: object) -> Manifest:
    return {
        "apiVersion": HELM,
        "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"interval": "1h", "chartRef": {"kind": "ExternalArtifact", "name": source}, **spec},
    }


def ready_with(reason: str, status: str = "True") -> Callable[[Manifest | None], bool]:
    """Ready has this status and reason, for the object's current generation."""

    def check(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        generation = (obj or {}).get("metadata", {}).get("generation")
        return (
            found is not None
            and found["status"] == status
            and found["reason"] == reason
            and (obj or {}).get("status", {}).get("observedGeneration") == generation
        )

    return check


def helm_cli(kubeconfig: Path, namespace: str, *args: str) -> str:
    """The real helm CLI, reading what reflow stored."""
    return run(binary("helm"), *args, "--namespace", namespace, "--kubeconfig", kubeconfig)


async def until(kube: Kube, namespace: str, name: str, check: Callable[[Manifest | None], bool],
                timeout: float = 90) -> Manifest:  # fmt: skip
    obj = await wait_for(
        kube, ObjectRef(HELM, "HelmRelease", name, namespace), check, timeout=timeout, what="as expected"
    )
    assert obj is not None
    return obj
