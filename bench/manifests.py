"""The objects the bench applies and the files it commits: identical for both sides."""

from __future__ import annotations

from typing import Any

import yaml

Manifest = dict[str, Any]

SOURCE_API = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1"
HELM_API = "helm.toolkit.fluxcd.io/v2"
NOTIFICATION_API = "notification.toolkit.fluxcd.io/v1"
NEVER = "60m"
"""Intervals long enough that no periodic reconcile lands inside a measurement."""


def namespace(name: str) -> Manifest:
    """A Namespace labelled as the bench's, so leftovers are easy to find."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"reflow.bench": "true"}}}


def configmap(name: str, data: dict[str, str], namespace: str | None = None) -> Manifest:
    """A ConfigMap; without a namespace it is meant for a repository (the Kustomization sets the target)."""
    metadata: dict[str, str] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def _documents(manifests: list[Manifest]) -> str:
    return yaml.safe_dump_all(manifests, sort_keys=False)


def _kustomization_file(resources: list[str]) -> str:
    return yaml.safe_dump(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}
    )


def configmaps_tree(path: str, count: int) -> dict[str, str]:
    """`count` ConfigMaps in one file under `path`, with a kustomization.yaml."""
    items = [configmap(f"cm-{i:04d}", {"index": str(i), "payload": "x" * 64}) for i in range(count)]
    return {
        f"{path}/configmaps.yaml": _documents(items),
        f"{path}/kustomization.yaml": _kustomization_file(["configmaps.yaml"]),
    }


def _deployment(app: str, replicas: int, **pod: str) -> Manifest:
    """A Deployment of one container listening on 8080, labelled and selected by `app: <app>`."""
    labels = {"app": app}
    container = {"name": "app", "image": "registry.invalid/app:1", "ports": [{"containerPort": 8080}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": app, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {**pod, "containers": [container]}},
        },
    }


def _service(app: str, **port: str) -> Manifest:
    """A Service on port 80 in front of the `app: <app>` Pods' 8080."""
    labels = {"app": app}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": app, "labels": labels},
        "spec": {"selector": labels, "ports": [{**port, "port": 80, "targetPort": 8080}]},
    }


def app_tree(path: str, app: str, configmaps: int) -> dict[str, str]:
    """A Deployment (1 replica), a Service and `configmaps` ConfigMaps, all named after `app`."""
    deployment, service = _deployment(app, 1), _service(app)
    maps = [configmap(f"{app}-{i:02d}", {"index": str(i)}) for i in range(configmaps)]
    return {
        f"{path}/app.yaml": _documents([deployment, service, *maps]),
        f"{path}/kustomization.yaml": _kustomization_file(["app.yaml"]),
    }


def mttp_app_tree(path: str) -> dict[str, str]:
    """Flux's MTTP benchmark app: a ServiceAccount, a Service, a Deployment scaled to zero and an Ingress, all
    named `app` (a Kustomization's `namePrefix` tells the copies apart)."""
    labels = {"app": "app"}
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "labels": labels}}
    service, deployment = _service("app", name="http"), _deployment("app", 0, serviceAccountName="app")
    backend = {"service": {"name": "app", "port": {"name": "http"}}}
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "app", "labels": labels},
        "spec": {
            "rules": [
                {
                    "host": "app.example.invalid",
                    "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
                }
            ]
        },
    }
    return {
        f"{path}/app.yaml": _documents([account, service, deployment, ingress]),
        f"{path}/kustomization.yaml": _kustomization_file(["app.yaml"]),
    }


def git_repository(name: str, namespace: str, url: str) -> Manifest:
    """A GitRepository on branch main that polls rarely (triggers come from requestedAt)."""
    return {
        "apiVersion": SOURCE_API,
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"url": url, "interval": NEVER, "timeout": "60s", "ref": {"branch": "main"}},
    }


def kustomization(
    name: str, namespace: str, *, source: str, path: str, wait: bool = False, timeout: str = "5m"
) -> Manifest:
    """A Kustomization applying `path` of the GitRepository `source` into its own namespace, with pruning."""
    return {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "interval": NEVER,
            "retryInterval": "10s",
            "timeout": timeout,
            "path": f"./{path}",
            "prune": True,
            "wait": wait,
            "targetNamespace": namespace,
            "sourceRef": {"kind": "GitRepository", "name": source},
        },
    }


def helm_repository(name: str, namespace: str, url: str) -> Manifest:
    """An HTTP HelmRepository that fetches its index rarely."""
    return {
        "apiVersion": SOURCE_API,
        "kind": "HelmRepository",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"url": url, "interval": NEVER, "timeout": "60s"},
    }


def helm_release(name: str, namespace: str, *, repository: str, chart: str, version: str) -> Manifest:
    """A HelmRelease of `chart` at `version` from the HelmRepository `repository`; release name = `name`."""
    return {
        "apiVersion": HELM_API,
        "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "interval": NEVER,
            "timeout": "5m",
            "chart": {
                "spec": {
                    "chart": chart,
                    "version": version,
                    "interval": NEVER,
                    "sourceRef": {"kind": "HelmRepository", "name": repository},
                }
            },
        },
    }


def token_secret(name: str, namespace: str, token: str) -> Manifest:
    """A Secret holding a Receiver's `token`."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "stringData": {"token": token},
    }


def github_receiver(name: str, namespace: str, *, secret: str, source: str) -> Manifest:
    """A `github` Receiver for push events that reconciles the GitRepository `source`."""
    return {
        "apiVersion": NOTIFICATION_API,
        "kind": "Receiver",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "type": "github",
            "events": ["push"],
            "secretRef": {"name": secret},
            "resources": [{"apiVersion": SOURCE_API, "kind": "GitRepository", "name": source}],
        },
    }
