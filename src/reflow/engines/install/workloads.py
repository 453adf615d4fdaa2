"""A controller's ServiceAccount, Deployment and Services, shaped like Flux's and running the `reflow` image.

Each container runs `reflow controllers --controllers=<name>` as its command; `args` carries the same
flags, in the same order, as Flux's manager container, so patches written for Flux's args keep working.
"""

from __future__ import annotations

from collections.abc import Mapping

from reflow.api.meta import Manifest
from reflow.engines.install.components import HTTP, METRICS, UI_HTTP, Component
from reflow.engines.install.options import (
    HELM_CONTROLLER,
    KUSTOMIZE_CONTROLLER,
    NOTIFICATION_CONTROLLER,
    SOURCE_WATCHER,
    UI,
    InstallOptions,
    selected_components,
)

CONTAINER = "manager"
STORAGE_PATH = "/data"


def command(component: Component) -> list[str]:
    """The container command: reflow's controller runner, limited to this one controller; `reflow ui` for the UI."""
    if component.name == UI:
        return ["reflow", "ui"]
    return ["reflow", "controllers", f"--controllers={component.name}"]


def events_address(options: InstallOptions) -> str:
    """Where controllers post their events: notification-controller's Service, fully qualified."""
    return f"http://{NOTIFICATION_CONTROLLER}.{options.namespace}.svc.{options.cluster_domain}./"


def args(component: Component, options: InstallOptions) -> list[str]:
    """The controller flags, in Flux's order: events address, watch scope, logging, leader election, storage;
    notification-controller's events listener last. The UI listens on every address and acts with each viewer's
    bearer token (`--auth=token`)."""
    if component.name == UI:
        return ["--address=0.0.0.0", f"--port={UI_HTTP[1]}", "--auth=token"]
    flags = []
    if component.name != NOTIFICATION_CONTROLLER:
        flags.append(f"--events-addr={events_address(options)}")
    flags += [
        "--watch-all-namespaces" if options.watch_all_namespaces else "--watch-all-namespaces=false",
        f"--log-level={options.log_level}",
        "--log-encoding=json",
        "--enable-leader-election",
    ]
    if component.name in (KUSTOMIZE_CONTROLLER, HELM_CONTROLLER) and SOURCE_WATCHER in selected_components(options):
        flags.append("--feature-gates=ExternalArtifact=true")  # as flux install does when source-watcher is in
    if component.name == NOTIFICATION_CONTROLLER:
        # The `notification-controller` Service sends events to the `http` port (9090, Flux's); reflow's own default
        # (`:9690`) keeps clear of the artifact server when every controller shares one process.
        flags.append(f"--events-listen-addr=:{HTTP[1]}")
    if component.artifact_storage:
        flags += [
            f"--storage-path={STORAGE_PATH}",
            f"--storage-adv-addr={component.name}.$(RUNTIME_NAMESPACE).svc.{options.cluster_domain}.",
        ]
    elif component.data_volume:
        flags.append(f"--storage-path={STORAGE_PATH}")  # the tag storage goes on the /data volume
    return flags


def service_account(component: Component, options: InstallOptions, labels: Mapping[str, str]) -> Manifest:
    """The controller's own identity; RBAC binds to it."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": component.name, "namespace": options.namespace, "labels": dict(labels)},
    }


def _env(component: Component) -> list[Manifest]:
    env: list[Manifest] = [
        {"name": "RUNTIME_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}
    ]
    if component.artifact_storage:
        env.append({"name": "TUF_ROOT", "value": "/tmp/.sigstore"})
    return env


def _volumes(component: Component) -> tuple[list[Manifest], list[Manifest]]:
    volumes: list[Manifest] = []
    mounts: list[Manifest] = []
    if component.artifact_storage or component.data_volume:
        volumes.append({"name": "data", "emptyDir": {}})
        mounts.append({"name": "data", "mountPath": STORAGE_PATH})
    volumes.append({"name": "temp", "emptyDir": {}})
    mounts.append({"name": "temp", "mountPath": "/tmp"})
    return volumes, mounts


def _container(component: Component, options: InstallOptions) -> Manifest:
    _, mounts = _volumes(component)
    return {
        "name": CONTAINER,
        "image": options.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command(component),
        "args": args(component, options),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "ports": [{"containerPort": port, "name": name, "protocol": "TCP"} for name, port in component.ports],
        "env": _env(component),
        "livenessProbe": {"httpGet": {"path": component.liveness.path, "port": component.liveness.port}},
        "readinessProbe": {"httpGet": {"path": component.readiness.path, "port": component.readiness.port}},
        "resources": {
            "limits": {"cpu": "1000m", "memory": "1Gi"},
            "requests": {"cpu": component.cpu_request, "memory": "64Mi"},
        },
        "volumeMounts": mounts,
    }


def deployment(component: Component, options: InstallOptions, labels: Mapping[str, str]) -> Manifest:
    """One replica of the controller, non-root on a read-only root filesystem, with Flux's ports and probes."""
    volumes, _ = _volumes(component)
    pod: Manifest = {
        "serviceAccountName": component.name,
        "terminationGracePeriodSeconds": component.grace_seconds,
        "securityContext": {"fsGroup": 1337},
        "containers": [_container(component, options)],
        "volumes": volumes,
    }
    if component.critical:
        pod["priorityClassName"] = "system-cluster-critical"
    if options.image_pull_secret:
        pod["imagePullSecrets"] = [{"name": options.image_pull_secret}]
    if options.toleration_keys:
        pod["tolerations"] = [{"key": key, "operator": "Exists"} for key in options.toleration_keys]
    spec: Manifest = {
        "replicas": 1,
        "selector": {"matchLabels": {"app": component.name}},
        "template": {
            "metadata": {"labels": {**labels, "app": component.name}, "annotations": _scrape(component)},
            "spec": pod,
        },
    }
    if component.artifact_storage:
        spec["strategy"] = {"type": "Recreate"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": component.name,
            "namespace": options.namespace,
            "labels": {**labels, "control-plane": "controller"},
        },
        "spec": spec,
    }


def _scrape(component: Component) -> dict[str, str]:
    if METRICS not in component.ports:
        return {}
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(METRICS[1])}


def services(component: Component, options: InstallOptions, labels: Mapping[str, str]) -> list[Manifest]:
    """The ClusterIP Services of the controller: artifacts, events in, webhook receivers."""
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": service.name,
                "namespace": options.namespace,
                "labels": {**labels, "control-plane": "controller"},
            },
            "spec": {
                "type": "ClusterIP",
                "selector": {"app": component.name},
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": service.target_port}],
            },
        }
        for service in component.services
    ]
