"""The facts of each controller's Deployment as Flux ships it: ports, probes, Services, storage, CRDs owned."""

from __future__ import annotations

from dataclasses import dataclass

from reflow.engines.install.options import (
    HELM_CONTROLLER,
    IMAGE_AUTOMATION_CONTROLLER,
    IMAGE_REFLECTOR_CONTROLLER,
    KUSTOMIZE_CONTROLLER,
    NOTIFICATION_CONTROLLER,
    SOURCE_CONTROLLER,
    SOURCE_WATCHER,
    UI,
)

HTTP = ("http", 9090)
WEBHOOK = ("http-webhook", 9292)
METRICS = ("http-prom", 8080)
HEALTH = ("healthz", 9440)
UI_HTTP = ("http", 9000)


@dataclass(frozen=True, slots=True)
class Probe:
    """An HTTP GET probe: path on a named container port."""

    path: str
    port: str


@dataclass(frozen=True, slots=True)
class ServicePort:
    """A ClusterIP Service in front of a controller: port 80 to a named container port."""

    name: str
    target_port: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """One controller's Deployment facts; every controller also serves metrics :8080 and health :9440."""

    name: str
    ports: tuple[tuple[str, int], ...] = (METRICS, HEALTH)
    """Named container ports, in Flux's order."""
    readiness: Probe = Probe("/readyz", "healthz")
    """source-controller and source-watcher report ready when their artifact server answers."""
    liveness: Probe = Probe("/healthz", "healthz")
    services: tuple[ServicePort, ...] = ()
    artifact_storage: bool = False
    """Serves artifacts from /data: Recreate strategy, storage flags, a /data volume."""
    data_volume: bool = False
    """Needs a writable /data without serving artifacts (image-reflector-controller's tag database)."""
    critical: bool = False
    """Runs with priorityClassName system-cluster-critical."""
    grace_seconds: int = 10
    """terminationGracePeriodSeconds: time to finish in-flight work on shutdown."""
    cpu_request: str = "100m"
    crds: tuple[str, ...] = ()
    """Names of the CustomResourceDefinitions the component ships."""


COMPONENTS: dict[str, Component] = {
    component.name: component
    for component in (
        Component(
            name=SOURCE_CONTROLLER,
            ports=(HTTP, METRICS, HEALTH),
            readiness=Probe("/", "http"),
            services=(ServicePort(SOURCE_CONTROLLER, "http"),),
            artifact_storage=True,
            critical=True,
            cpu_request="50m",
            crds=(
                "buckets.source.toolkit.fluxcd.io",
                "externalartifacts.source.toolkit.fluxcd.io",
                "gitrepositories.source.toolkit.fluxcd.io",
                "helmcharts.source.toolkit.fluxcd.io",
                "helmrepositories.source.toolkit.fluxcd.io",
                "ocirepositories.source.toolkit.fluxcd.io",
            ),
        ),
        Component(
            name=KUSTOMIZE_CONTROLLER,
            critical=True,
            grace_seconds=60,
            crds=("kustomizations.kustomize.toolkit.fluxcd.io",),
        ),
        Component(
            name=HELM_CONTROLLER,
            critical=True,
            grace_seconds=600,
            crds=("helmreleases.helm.toolkit.fluxcd.io",),
        ),
        Component(
            name=NOTIFICATION_CONTROLLER,
            ports=(HTTP, WEBHOOK, METRICS, HEALTH),
            services=(ServicePort(NOTIFICATION_CONTROLLER, "http"), ServicePort("webhook-receiver", "http-webhook")),
            crds=(
                "alerts.notification.toolkit.fluxcd.io",
                "providers.notification.toolkit.fluxcd.io",
                "receivers.notification.toolkit.fluxcd.io",
            ),
        ),
        Component(
            name=IMAGE_REFLECTOR_CONTROLLER,
            data_volume=True,
            crds=("imagepolicies.image.toolkit.fluxcd.io", "imagerepositories.image.toolkit.fluxcd.io"),
        ),
        Component(
            name=IMAGE_AUTOMATION_CONTROLLER,
            crds=("imageupdateautomations.image.toolkit.fluxcd.io",),
        ),
        Component(
            name=SOURCE_WATCHER,
            ports=(HTTP, METRICS, HEALTH),
            readiness=Probe("/", "http"),
            services=(ServicePort(SOURCE_WATCHER, "http"),),
            artifact_storage=True,
            critical=True,
            crds=("artifactgenerators.source.extensions.fluxcd.io",),
        ),
        Component(
            name=UI,
            ports=(UI_HTTP,),
            readiness=Probe("/healthz", "http"),
            liveness=Probe("/healthz", "http"),
            services=(ServicePort(UI, "http"),),
        ),
    )
}
