"""`reflow create source chart`: a HelmChart from Flux's flags, applied and awaited, or printed with `--export`."""

from __future__ import annotations

from typing import Any

import click

from reflow.api.meta import Manifest
from reflow.cli.console import out, run, step
from reflow.cli.create import _apply, _common, _finish, _oci_verify
from reflow.cli.helmrelease import CHART_SOURCE_KINDS
from reflow.cli.manifests import helm_chart, parse_labels, split_list
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import to_yaml

VERIFY_PROVIDERS = ("cosign",)
"""The providers `flux create source chart --verify-provider` takes."""


def local_chart_source(text: str) -> Manifest:
    """`--source <kind>/<name>`: a HelmRepository, GitRepository or Bucket in the chart's own namespace."""
    kind, slash, name = text.partition("/")
    problem = ""
    match = next((k for k in CHART_SOURCE_KINDS if k.lower() == kind.lower()), None)
    if not text.strip():
        problem = f"no helm chart source given, please specify <kind>/<name> with kind one of: {_kinds()}"
    elif not slash or not kind or not name:
        problem = f"invalid helm chart source '{text}', must be in format <kind>/<name>"
    elif match is None:
        problem = f"source kind '{kind}' is not supported, must be one of: {_kinds()}"
    if problem:
        raise click.UsageError(f'invalid argument "{text}" for "--source" flag: {problem}')
    assert match is not None
    return {"kind": match, "name": name}


def _kinds() -> str:
    return ", ".join(CHART_SOURCE_KINDS)


def _verify_provider(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is not None and value not in VERIFY_PROVIDERS:
        raise click.UsageError(
            f'invalid argument "{value}" for "--verify-provider" flag: source OCI verify provider '
            f"'{value}' is not supported, must be one of: {'|'.join(VERIFY_PROVIDERS)}"
        )
    return value


@click.command("chart")
@click.argument("name")
@click.option("--source", "source_text", help="The chart's source: <kind>/<name>, kind HelmRepository, "
              "GitRepository or Bucket.")  # fmt: skip
@click.option("--chart", help="Chart name (HelmRepository) or path (GitRepository, Bucket).")
@click.option("--chart-version", help="Chart version, a SemVer range (ignored for charts from GitRepository sources).")
@click.option("--reconcile-strategy", type=click.Choice(["ChartVersion", "Revision"]), default="ChartVersion",
              show_default=True, help="New artifact on a new chart version, or on every source revision.")  # fmt: skip
@click.option("--values-files", multiple=True, help="Values files in the chart, merged in order into its values "
              "(comma-separated; reflow only, flux has no such flag).")  # fmt: skip
@click.option("--verify-provider", callback=_verify_provider, help="Signature verification provider: cosign.")
@click.option("--verify-secret-ref", help="Name of a Secret with the public keys that verify signatures.")
@click.option("--verify-subject", help="Regular expression for the OIDC subject of keyless signatures.")
@click.option("--verify-issuer", help="Regular expression for the OIDC issuer of keyless signatures.")
@_common
@global_options
def chart(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a HelmChart source.

    \b
    Examples:
      reflow create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --chart-version=6.x
      reflow create source chart podinfo --source=GitRepository/podinfo --chart=./charts/podinfo
      reflow create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --chart-version=6.6.2 \\
        --verify-provider=cosign --verify-secret-ref=cosign-pub --export
    """
    if not flags["source_text"]:
        raise click.UsageError("chart source is required")
    source_ref = local_chart_source(flags["source_text"])
    if not flags["chart"]:
        raise click.UsageError("chart name or path is required")
    manifest = helm_chart(
        name,
        options.namespace,
        chart=flags["chart"],
        source_ref=source_ref,
        interval=flags["interval"],
        reconcile_strategy=flags["reconcile_strategy"],
        version=flags["chart_version"],
        values_files=split_list(flags["values_files"]),
        verify=_oci_verify(flags),
        labels=parse_labels(flags["labels"]),
    )
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step("generating HelmChart source")
    _finish(run(_apply(options, [manifest])), "fetched")
