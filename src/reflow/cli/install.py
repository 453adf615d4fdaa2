"""`reflow install`: put reflow's controllers, CRDs and RBAC into a cluster (or print them)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from reflow import __version__
from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import err, fail, run, step, success
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.health import Status, compute
from reflow.engines.install import (
    DEFAULT_COMPONENTS,
    DEFAULT_REGISTRY,
    EXTRA_COMPONENTS,
    LOG_LEVELS,
    PROBE_CRD,
    InstallInfo,
    InstallOptions,
    InvalidInstallOptions,
    image_pull_secret,
    install_info,
    install_manifests,
    stages,
    to_yaml,
)
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_for

FIELD_MANAGER = "reflow"
F = TypeVar("F", bound=Callable[..., Any])


def _names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _current(obj: Manifest | None) -> bool:
    return obj is not None and compute(obj).status is Status.CURRENT


class Deadline:
    """One deadline shared by successive waits, so that --timeout bounds them all together."""

    def __init__(self, seconds: float) -> None:
        self._end = asyncio.get_running_loop().time() + seconds

    def remaining(self) -> float:
        return max(self._end - asyncio.get_running_loop().time(), 0.001)


async def wait_all(kube: Kube, manifests: Sequence[Manifest], deadline: Deadline, what: str) -> None:
    """Wait, one object after the other, until each is Current (`what` names that state), showing each."""
    with err.status(f"waiting for {len(manifests)} object(s) to be {what}") as status:
        for manifest in manifests:
            ref = ObjectRef.of(manifest)
            status.update(f"waiting for {ref} to be {what}")
            await wait_for(kube, ref, _current, timeout=deadline.remaining(), what=what)
            success(f"{ref.kind}/{ref.name} {what}")


async def installed(kube: Kube) -> InstallInfo | None:
    """The install already in the cluster, as its GitRepository CRD describes it; None when there is none."""
    try:
        return install_info(await kube.get(ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", PROBE_CRD)))
    except NotFound:
        return None


def confirm_takeover(info: InstallInfo | None, command: str) -> None:
    """When another tool (such as Helm) manages the install already in the cluster, ask before taking it
    over, and stop with "<command> cancelled" unless the user agrees (--force skips this question)."""
    if info is None or not info.foreign:
        return
    err.print(f"Flux {info.version} has been installed on this cluster with {info.managed_by}!")
    if not click.confirm(f"Are you sure you want to override the {info.managed_by} installation?", err=True):
        fail(f"{command} cancelled before anything changed", "pass --force to take the installation over")


async def _apply(kube: Kube, manifests: Sequence[Manifest]) -> None:
    for manifest in manifests:
        await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)


async def apply_components(kube: Kube, manifests: list[Manifest], namespace: str, deadline: Deadline) -> None:
    """Apply the install manifests (CRDs first) and wait until the CRDs are Established and the controllers
    Available, showing each step."""
    definitions, rest = stages(manifests)
    deployments = [m for m in rest if m["kind"] == "Deployment"]
    crds = [m for m in definitions if m["kind"] == "CustomResourceDefinition"]
    step(f"applying the namespace and {len(crds)} CustomResourceDefinitions")
    await _apply(kube, definitions)
    await wait_all(kube, crds, deadline, "Established")
    step(f"applying {len(rest)} objects in namespace {namespace}")
    await _apply(kube, rest)
    success(f"applied {len(manifests)} objects (field manager {FIELD_MANAGER})")
    step("waiting for the controllers to become Available")
    await wait_all(kube, deployments, deadline, "Available")
    success(f"{len(deployments)} controller(s) ready in {namespace}")


async def apply_pull_secret(kube: Kube, pull_secret: Manifest, manifests: Sequence[Manifest]) -> None:
    """Apply the image pull Secret, and first the install's namespace it goes in, so that the controllers' Pods
    find it when they start."""
    namespace = [m for m in manifests if m["kind"] == "Namespace"]
    await _apply(kube, namespace)
    step(f"applying image pull secret {pull_secret['metadata']['name']}")
    await kube.apply(pull_secret, field_manager=FIELD_MANAGER, force=True)
    success(f"reconciled image pull secret {pull_secret['metadata']['name']}")


async def _install(
    manifests: list[Manifest], pull_secret: Manifest | None, force: bool, options: GlobalOptions
) -> None:
    async with connect(options.connection) as kube:
        info = await installed(kube)
        if info is not None and info.bootstrapped:
            fail(
                f"this cluster has already been bootstrapped with Flux {info.version}",
                "run `reflow bootstrap git` again to upgrade it; its Kustomization owns the components",
            )
        if not force:
            confirm_takeover(info, "installation")
        deadline = Deadline(options.timeout)
        async with asyncio.timeout(options.timeout):
            if pull_secret is not None:
                await apply_pull_secret(kube, pull_secret, manifests)
            await apply_components(kube, manifests, options.namespace, deadline)
    success("install finished")


def install_flags(command: F) -> F:
    """Add Flux's install flags (`--components`, `--registry`, …) to a command; `install_options` reads them."""
    decorated: Any = command
    for flag in reversed(
        (
            click.option(
                "--components",
                default=",".join(DEFAULT_COMPONENTS),
                show_default=True,
                help="Comma-separated controllers to install.",
            ),
            click.option(
                "--components-extra",
                default="",
                help=f"Comma-separated additional controllers: {', '.join(EXTRA_COMPONENTS)}.",
            ),
            click.option(
                "--registry",
                default=DEFAULT_REGISTRY,
                show_default=True,
                help="Registry (and path) of the reflow image `<registry>/reflow:<version>`.",
            ),
            click.option("--image-pull-secret", default="", help="Secret in the namespace used to pull the image."),
            click.option(
                "--registry-creds",
                envvar="REFLOW_REGISTRY_CREDS",
                default="",
                metavar="USER:PASSWORD",
                help="Create the --image-pull-secret Secret with these registry credentials "
                "(also read from $REFLOW_REGISTRY_CREDS).",
            ),
            click.option(
                "--watch-all-namespaces",
                type=click.BOOL,
                default=True,
                is_flag=False,
                flag_value=True,
                show_default=True,
                help="Reconcile objects in every namespace; false watches only the install's namespace.",
            ),
            click.option(
                "--network-policy",
                type=click.BOOL,
                default=True,
                is_flag=False,
                flag_value=True,
                show_default=True,
                help="Fence the namespace with Flux's NetworkPolicies.",
            ),
            click.option(
                "--log-level",
                type=click.Choice(LOG_LEVELS),
                default="info",
                show_default=True,
                help="Controllers' log level.",
            ),
            click.option(
                "--cluster-domain", default="cluster.local", show_default=True, help="The cluster's DNS domain."
            ),
            click.option(
                "--toleration-keys", default="", help="Comma-separated taint keys the controller Pods tolerate."
            ),
        )
    ):
        decorated = flag(decorated)
    return decorated  # type: ignore[no-any-return]


_INSTALL_FLAGS = (
    "components",
    "components_extra",
    "registry",
    "image_pull_secret",
    "watch_all_namespaces",
    "network_policy",
    "log_level",
    "cluster_domain",
    "toleration_keys",
)


def pull_secret(flags: dict[str, Any], options: InstallOptions) -> Manifest | None:
    """The image pull Secret `--registry-creds` (taken out of `flags`) asks for; None without the flag."""
    creds = flags.pop("registry_creds")
    return image_pull_secret(options, creds) if creds else None


def install_options(flags: dict[str, Any], namespace: str) -> InstallOptions:
    """The install flags (taken out of `flags`, a command's keyword arguments) as `InstallOptions`."""
    given = {name: flags.pop(name) for name in _INSTALL_FLAGS}
    return InstallOptions(
        components=_names(given["components"]),
        components_extra=_names(given["components_extra"]),
        namespace=namespace,
        registry=given["registry"],
        image_pull_secret=given["image_pull_secret"] or None,
        watch_all_namespaces=given["watch_all_namespaces"],
        network_policy=given["network_policy"],
        log_level=given["log_level"],
        cluster_domain=given["cluster_domain"],
        toleration_keys=_names(given["toleration_keys"]),
    )


@click.command()
@click.option("--export", is_flag=True, help="Print the manifests as multi-document YAML; change nothing.")
@click.option("--force", is_flag=True, help="Take over an installation another tool (such as Helm) manages.")
@install_flags
@global_options
def install(export: bool, force: bool, options: GlobalOptions, **flags: Any) -> None:
    """Install reflow's controllers, CRDs and RBAC in a cluster, or print them with --export.

    Objects are applied server-side (field manager `reflow`), CRDs first; the command then waits,
    within --timeout, until the CRDs are Established and every controller Deployment is Available.
    The controllers run the image `<registry>/reflow:<version>`, one Deployment per controller.

    \b
    Examples:
      reflow install
      reflow install --components-extra=image-reflector-controller,image-automation-controller
      reflow install --export > clusters/prod/flux-system/gotk-components.yaml
    """
    try:
        chosen = install_options(flags, options.namespace)
        secret = pull_secret(flags, chosen)
        manifests = install_manifests(chosen)
    except InvalidInstallOptions as error:
        fail(str(error), "see `reflow install --help` for the flags and their values")
    if export:
        header = f"# reflow v{__version__} install manifests, made by `reflow install --export`; do not edit.\n"
        click.echo(header + to_yaml(manifests), nl=False)
        return
    try:
        run(_install(manifests, secret, force, options))
    except TimeoutError as error:
        fail(
            f"install did not finish within {options.timeout:.0f} s: {str(error) or 'deadline reached'}",
            f"see `kubectl -n {options.namespace} get deployments,pods`, or raise --timeout",
        )
