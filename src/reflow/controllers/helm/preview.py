"""What releasing a HelmRelease would change, outside the controller: its chart rendered with `helm template`, its
values and post-renderers, then dry-run against the cluster as Helm's field manager (`reflow diff helmrelease`,
the web UI's diff)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from reflow.api.helm import HelmRelease
from reflow.api.meta import ObjectRef
from reflow.api.wire import parse
from reflow.controllers.helm.charts import chart_key
from reflow.controllers.helm.values import release_values
from reflow.engines.artifact import ArtifactError, FetchOptions, download
from reflow.engines.flux.diff import Outcome, diff_objects
from reflow.engines.flux.state import API_VERSIONS
from reflow.engines.helm import actions
from reflow.engines.helm.drift import HELM_FIELD_MANAGER, release_objects
from reflow.engines.helm.names import release_name
from reflow.engines.helm.postrender import PostRender, kustomizations, origin_labels
from reflow.engines.helm.run import Helm, HelmFailed, Target
from reflow.engines.helm.values import ValuesError, compose
from reflow.engines.ssa.ignore import IgnoreRules
from reflow.kube.client import Kube


class PreviewFailed(Exception):
    """The release could not be rendered or compared; the message says why."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """The release's name and namespace, and the manifest Helm would apply."""

    hr: HelmRelease
    release: str
    namespace: str
    manifest: str


async def render(helm: Path, hr: HelmRelease, chart: Path, kube: Kube | None) -> Rendered:
    """`helm template` the chart (an absolute path: helm runs in a folder of its own) with the HelmRelease's
    values (valuesFrom read through `kube` when given) and post-renderers."""
    namespace = hr.metadata.namespace or "default"
    target = hr.spec.target_namespace or namespace
    name = release_name(hr.metadata.name, hr.spec.target_namespace, hr.spec.release_name)
    try:
        values = await release_values(kube, hr) if kube is not None else compose([], hr.spec.values, namespace)
    except ValuesError as error:
        raise PreviewFailed(str(error)) from error
    command = actions.template(name, str(chart), hr.spec)
    post_render = PostRender(kustomizations(hr.spec.post_renderers), origin_labels(namespace, hr.metadata.name))
    try:
        done = await Helm(helm).run(command.args, Target(kubeconfig="", namespace=target), values=values,
                                    post_render=post_render, timeout=command.timeout)  # fmt: skip
    except HelmFailed as error:
        raise PreviewFailed(f"rendering the chart failed: {error.message}") from error
    return Rendered(hr, name, target, done.stdout)


async def diff_release(kube: Kube, rendered: Rendered) -> Outcome:
    """Dry-run the rendered release's objects as Helm's field manager, leaving out what drift detection ignores."""
    settings = rendered.hr.spec.drift_detection
    try:
        ignore = IgnoreRules.compile(settings.ignore if settings else ())
    except ValueError as error:
        raise PreviewFailed(f"invalid drift ignore rule: {error}") from error
    objects = await release_objects(kube, rendered.manifest, rendered.release, rendered.namespace)
    return await diff_objects(kube, objects, None, ignore, field_manager=HELM_FIELD_MANAGER)


async def diff_cluster_release(kube: Kube, ref: ObjectRef, helm: Path) -> Outcome:
    """Diff the chart the HelmRelease's source serves now, with its values, against the cluster: what the next
    release would change. Raises PreviewFailed."""
    hr = parse(HelmRelease, await kube.get(ref))
    kind, namespace, name = chart_key(hr)
    source = ObjectRef(API_VERSIONS[kind], kind, name, namespace)
    artifact = ((await kube.get(source)).get("status") or {}).get("artifact") or {}
    if not artifact.get("url"):
        raise PreviewFailed(f"{source} has no artifact yet: nothing to compare")
    with tempfile.TemporaryDirectory(prefix="reflow-diff-") as scratch:
        chart = Path(scratch, "chart.tgz")
        try:
            async with aiohttp.ClientSession() as session:
                await download(artifact["url"], artifact.get("digest") or "", chart, session=session,
                               options=FetchOptions())  # fmt: skip
        except ArtifactError as error:
            raise PreviewFailed(f"cannot download {source}'s chart: {error}") from error
        rendered = await render(helm, hr, chart, kube)
    return await diff_release(kube, rendered)
