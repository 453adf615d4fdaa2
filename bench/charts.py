"""The bench's Helm chart (a Deployment, a Service and a ConfigMap), packaged by helm and served on loopback."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import yaml
from aiohttp import web

from reflow.dev.gobuild import binary

CHART = "bench-app"
VERSION = "1.0.0"

_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
        - name: app
          image: {{ .Values.image | quote }}
          ports: [{containerPort: 8080}]
"""
_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  labels: {app: {{ .Release.Name }}}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{port: 80, targetPort: 8080}]
"""
_CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  message: {{ .Values.message | quote }}
"""


def chart_files(name: str = CHART, version: str = VERSION) -> dict[str, str]:
    """The chart's files by path inside its folder: Chart.yaml, values.yaml and three templates."""
    chart = {"apiVersion": "v2", "name": name, "version": version, "appVersion": "1", "type": "application"}
    values = {"replicas": 1, "image": "registry.invalid/app:1", "message": "hello"}
    return {
        "Chart.yaml": yaml.safe_dump(chart, sort_keys=False),
        "values.yaml": yaml.safe_dump(values, sort_keys=False),
        "templates/deployment.yaml": _DEPLOYMENT,
        "templates/service.yaml": _SERVICE,
        "templates/configmap.yaml": _CONFIGMAP,
    }


def helm_env(home: Path, kubeconfig: Path | None = None) -> dict[str, str]:
    """helm's environment: its config, cache and data folders under `home`, and the plane's kubeconfig."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_DATA_HOME": str(home / "data"),
    }
    if kubeconfig is not None:
        env["KUBECONFIG"] = str(kubeconfig)
    return env


async def helm(args: Sequence[str], env: Mapping[str, str]) -> str:
    """Run the cached helm binary; its stdout, or RuntimeError with its stderr."""
    process = await asyncio.create_subprocess_exec(
        str(binary("helm")),
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"helm {' '.join(args[:2])} exited {process.returncode}: {stderr.decode().strip()}")
    return stdout.decode()


async def publish_chart(folder: Path, name: str = CHART, version: str = VERSION) -> Path:
    """Write the chart under `folder/src`, package it into `folder/repo` and index that; returns the archive."""
    source, repository = folder / "src" / name, folder / "repo"
    for relative, text in chart_files(name, version).items():
        path = source / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    repository.mkdir(parents=True, exist_ok=True)
    env = helm_env(folder / "home")
    await helm(["package", str(source), "--destination", str(repository)], env)
    await helm(["repo", "index", str(repository)], env)
    return repository / f"{name}-{version}.tgz"


@asynccontextmanager
async def serve_charts(repository: Path) -> AsyncIterator[str]:
    """Serve the repository folder's files under `/charts/` on a free loopback port; yields the repository URL."""
    app = web.Application()
    app.router.add_static("/charts/", repository)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/charts/"
    finally:
        await runner.cleanup()
