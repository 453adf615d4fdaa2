"""`reflow trace`: from any object to the Kustomization or HelmRelease that manages it, and on to its source.

An ExternalArtifact source is followed on to the ArtifactGenerator that made it, and a HelmRelease's HelmChart
`chartRef` on to the source of the chart.
"""

from __future__ import annotations

import click

from reflow.api.meta import ObjectRef
from reflow.cli.console import fail, out, run
from reflow.cli.options import GlobalOptions, global_options
from reflow.engines.diagnose.chain import FLUX_VERSIONS
from reflow.engines.flux.trace import owner, trace_chain
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound


async def resolve_kind(kube: Kube, api_version: str, kind: str) -> str:
    """The kind as the API server spells it, so `--kind deployment` finds Deployment."""
    path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    try:
        listing = await kube.get_path(path)
    except NotFound:
        fail(f"the API server does not serve {api_version}", "check --api-version, e.g. apps/v1", code=1)
    for resource in listing.get("resources") or []:
        if "/" not in resource["name"] and resource["kind"].lower() == kind.lower():
            return str(resource["kind"])
    fail(f"the API server does not serve kind {kind} in {api_version}", "check --kind and --api-version")


async def trace_object(options: GlobalOptions, name: str, kind: str, api_version: str) -> str:
    """The trace text: the object, its managing applier, the applier's source, and why it is not Ready."""
    async with connect(options.connection) as kube:
        kind = await resolve_kind(kube, api_version, kind)
        ref = ObjectRef(api_version, kind, name, options.namespace)
        obj = await kube.get(ref)
        manager = owner(obj)
        if manager is None and kind not in FLUX_VERSIONS:
            fail(f"{kind}/{name} in {options.namespace} is not managed by Flux", "it carries no Flux owner labels")
        return await trace_chain(kube, obj, manager)


@click.command()
@click.argument("name")
@click.option("--kind", required=True, help="Kind of the object, e.g. Deployment.")
@click.option("--api-version", required=True, help="API version of the object, e.g. apps/v1.")
@global_options
def trace(name: str, kind: str, api_version: str, options: GlobalOptions) -> None:
    """Show which Kustomization or HelmRelease manages an object, from which source, and why it is not Ready.

    The object may also be a Flux object itself (a Kustomization, a source, …). When something is not
    Ready, the trace follows its dependencies, its source and the workloads a health check waits for down
    to the root cause (a Pod that cannot be scheduled, an image that cannot be pulled, …).

    \b
    Example:
      reflow trace podinfo --kind=Deployment --api-version=apps/v1 -n apps
    """
    out.out(run(trace_object(options, name, kind, api_version)), end="", highlight=False)
