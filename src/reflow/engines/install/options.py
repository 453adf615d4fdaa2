"""What `reflow install` is asked for: the options record, its defaults, and the component names it knows."""

from __future__ import annotations

from dataclasses import dataclass

from reflow import __version__

SOURCE_CONTROLLER = "source-controller"
KUSTOMIZE_CONTROLLER = "kustomize-controller"
HELM_CONTROLLER = "helm-controller"
NOTIFICATION_CONTROLLER = "notification-controller"
IMAGE_REFLECTOR_CONTROLLER = "image-reflector-controller"
IMAGE_AUTOMATION_CONTROLLER = "image-automation-controller"
SOURCE_WATCHER = "source-watcher"
UI = "ui"
"""`reflow ui`, the web UI: not a controller; it reads with its own account and acts as each viewer."""

DEFAULT_COMPONENTS: tuple[str, ...] = (
    SOURCE_CONTROLLER,
    KUSTOMIZE_CONTROLLER,
    HELM_CONTROLLER,
    NOTIFICATION_CONTROLLER,
)
EXTRA_COMPONENTS: tuple[str, ...] = (IMAGE_REFLECTOR_CONTROLLER, IMAGE_AUTOMATION_CONTROLLER, SOURCE_WATCHER, UI)
ALL_COMPONENTS: tuple[str, ...] = DEFAULT_COMPONENTS + EXTRA_COMPONENTS
CONTROLLERS: tuple[str, ...] = tuple(name for name in ALL_COMPONENTS if name != UI)

DEFAULT_REGISTRY = "ghcr.io/reflow-dev"
IMAGE_NAME = "reflow"
LOG_LEVELS: tuple[str, ...] = ("debug", "info", "error")


class InvalidInstallOptions(ValueError):
    """The options name something install does not know (a component, a log level); the message lists the choices."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallOptions:
    """The choices behind one set of install manifests; the defaults are `flux install`'s."""

    components: tuple[str, ...] = DEFAULT_COMPONENTS
    """Controllers to install; Flux's four core controllers by default."""
    components_extra: tuple[str, ...] = ()
    """More components on top of `components` (the image controllers, source-watcher, the web UI); none by default."""
    namespace: str = "flux-system"
    """Namespace of the controllers; Flux's, so Flux tooling finds them."""
    registry: str = DEFAULT_REGISTRY
    """Container registry (and path) holding the `reflow` image."""
    image_tag: str = __version__
    """Tag of the `reflow` image; this reflow's version, so CLI and controllers match."""
    image_pull_secret: str | None = None
    """Secret in `namespace` the kubelet pulls the image with; none by default (public image)."""
    watch_all_namespaces: bool = True
    """Reconcile objects in every namespace; False limits each controller to `namespace`."""
    network_policy: bool = True
    """Add Flux's three NetworkPolicies that fence the controllers' namespace."""
    log_level: str = "info"
    """Controller log level: debug, info or error."""
    cluster_domain: str = "cluster.local"
    """The cluster's DNS domain, used in the in-cluster addresses of the events and artifact endpoints."""
    toleration_keys: tuple[str, ...] = ()
    """Taint keys the controller Pods tolerate (operator Exists), to run on dedicated nodes."""

    @property
    def image(self) -> str:
        """The controllers' image reference: `<registry>/reflow:<tag>`."""
        return f"{self.registry.rstrip('/')}/{IMAGE_NAME}:{self.image_tag}"


def selected_components(options: InstallOptions) -> tuple[str, ...]:
    """The components to install, without duplicates, in Flux's order; raises InvalidInstallOptions for unknown ones."""
    wanted = [name.strip() for name in (*options.components, *options.components_extra) if name.strip()]
    unknown = [name for name in wanted if name not in ALL_COMPONENTS]
    if unknown:
        raise InvalidInstallOptions(
            f"unknown component{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"choose from {', '.join(ALL_COMPONENTS)}"
        )
    if not wanted:
        raise InvalidInstallOptions(f"no component selected; choose from {', '.join(ALL_COMPONENTS)}")
    return tuple(name for name in ALL_COMPONENTS if name in wanted)


def check_log_level(level: str) -> str:
    """The log level if controllers accept it; raises InvalidInstallOptions otherwise."""
    if level not in LOG_LEVELS:
        raise InvalidInstallOptions(f"unknown log level {level!r}; choose from {', '.join(LOG_LEVELS)}")
    return level
