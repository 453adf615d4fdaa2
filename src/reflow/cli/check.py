"""`reflow check`: is the cluster new enough, are the CRDs established and the components' Deployments ready."""

from __future__ import annotations

from collections.abc import Sequence

import click

from reflow.api.conditions import condition_true
from reflow.api.crds import KINDS, kind_info
from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import err, fail, run, step, success
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.install.options import DEFAULT_COMPONENTS, EXTRA_COMPONENTS
from reflow.engines.semver.constraints import parse_constraints
from reflow.engines.semver.version import InvalidVersion, parse_version
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound

KUBERNETES_RANGE = ">=1.33.0-0"


def supported(server_version: str) -> bool:
    """Whether the API server's version (`v1.36.3`, `v1.33.1+k3s1`) is in Flux's supported range."""
    try:
        version = parse_version(server_version.lstrip("v"))
    except InvalidVersion:
        return False
    return parse_constraints(KUBERNETES_RANGE).check(version)


def deployment_ready(deployment: Manifest) -> bool:
    """All wanted replicas updated and available, for the current generation."""
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    wanted = int(spec.get("replicas", 1))
    return (
        int(status.get("observedGeneration") or 0) >= int(deployment["metadata"].get("generation") or 0)
        and int(status.get("updatedReplicas") or 0) >= wanted
        and int(status.get("availableReplicas") or 0) >= wanted
    )


def crd_names(components: Sequence[str]) -> list[tuple[str, str]]:
    """The CRD name and served version of each kind whose controller is among the components."""
    infos = [kind_info(model) for model in KINDS]
    return [(f"{info.plural}.{info.group}", info.version) for info in infos if info.controller in components]


async def check_prerequisites(kube: Kube) -> bool:
    step("checking prerequisites")
    server = await kube.server_version()
    if not supported(server):
        err.print(f"[red]✗[/] Kubernetes {server.lstrip('v')} does not match {KUBERNETES_RANGE}")
        return False
    success(f"Kubernetes {server.lstrip('v')} {KUBERNETES_RANGE}")
    return True


async def check_controllers(kube: Kube, namespace: str, components: Sequence[str]) -> bool:
    """Each component's Deployment (the controllers', and `ui` for the web UI) is ready."""
    step("checking controllers")
    healthy = True
    for name in components:
        try:
            deployment = await kube.get(ObjectRef("apps/v1", "Deployment", name, namespace))
        except NotFound:
            err.print(f"[red]✗[/] {name}: deployment not found in {namespace} namespace")
            healthy = False
            continue
        if deployment_ready(deployment):
            images = [c.get("image", "") for c in deployment["spec"]["template"]["spec"].get("containers", [])]
            success(f"{name}: deployment ready")
            for image in images:
                err.print(f"► {image}")
        else:
            err.print(f"[red]✗[/] {name}: deployment not ready")
            healthy = False
    return healthy


async def check_crds(kube: Kube, components: Sequence[str]) -> bool:
    step("checking crds")
    healthy = True
    for name, version in crd_names(components):
        try:
            crd = await kube.get(ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", name))
        except NotFound:
            err.print(f"[red]✗[/] {name}: not found")
            healthy = False
            continue
        if condition_true(crd, "Established"):
            success(f"{name}/{version}")
        else:
            err.print(f"[red]✗[/] {name}: not established")
            healthy = False
    return healthy


async def check_all(options: GlobalOptions, pre: bool, components: Sequence[str]) -> bool:
    """Run the checks in Flux's order and return whether they all passed."""
    async with connect(options.connection) as kube:
        passed = await check_prerequisites(kube)
        if pre:
            if passed:
                success("prerequisites checks passed")
            return passed
        passed = await check_controllers(kube, options.namespace, components) and passed
        passed = await check_crds(kube, components) and passed
    return passed


@click.command()
@click.option("--pre", is_flag=True, help="Only check the prerequisites (the Kubernetes version).")
@click.option("--components", default=",".join(DEFAULT_COMPONENTS), show_default=True, help="Controllers to check.")
@click.option(
    "--components-extra", default="", help=f"Extra components (the web UI among them): {', '.join(EXTRA_COMPONENTS)}."
)
@global_options
def check(pre: bool, components: str, components_extra: str, options: GlobalOptions) -> None:
    """Check that the cluster can run reflow and that the controllers and CRDs are in place.

    \b
    Examples:
      reflow check --pre
      reflow check --components-extra=image-reflector-controller,image-automation-controller
      reflow check --components-extra=ui
    """
    wanted = [item.strip() for item in f"{components},{components_extra}".split(",") if item.strip()]
    if not run(check_all(options, pre, wanted)):
        fail("checks failed", "reflow install sets up the controllers and CRDs")
    if not pre:
        success("all checks passed")
