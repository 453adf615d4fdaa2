"""`reflow create alert` and `create alert-provider`: Alerts and Providers as `flux create` makes them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from reflow.api.meta import Manifest
from reflow.api.notification import Alert, Provider
from reflow.cli.console import out, run, step, success
from reflow.cli.manifests import parse_labels, split_list
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import to_yaml
from reflow.kube.client import connect

FIELD_MANAGER = "reflow"


def event_source(text: str) -> Manifest:
    """`<kind>/<name>[.<namespace>]` as an event source; `*` names every object of the kind."""
    kind, sep, rest = text.partition("/")
    if not sep or not kind or not rest:
        raise click.BadParameter(f"invalid event source '{text}', must be in format <kind>/<name>",
                                 param_hint="--event-source")  # fmt: skip
    name, _, namespace = rest.partition(".")
    source: Manifest = {"kind": kind, "name": name}
    if namespace:
        source["namespace"] = namespace
    return source


def alert(
    name: str, namespace: str, *, provider_ref: str, event_sources: Sequence[str], event_severity: str = "",
    labels: dict[str, str] | None = None,
) -> Manifest:  # fmt: skip
    """An Alert as `flux create alert` makes it from the same flags."""
    if not provider_ref:
        raise click.BadParameter("provider ref is required", param_hint="--provider-ref")
    sources = [event_source(text) for text in split_list(event_sources)]
    if not sources:
        raise click.BadParameter("at least one event source is required", param_hint="--event-source")
    spec: Manifest = {"eventSources": sources, "providerRef": {"name": provider_ref}}
    if event_severity:
        spec["eventSeverity"] = event_severity
    return _object(Alert.KIND.api_version, "Alert", name, namespace, labels, spec)


def provider(
    name: str, namespace: str, *, type_: str, channel: str = "", username: str = "", address: str = "",
    secret_ref: str = "", labels: dict[str, str] | None = None,
) -> Manifest:  # fmt: skip
    """A Provider as `flux create alert-provider` makes it from the same flags."""
    if not type_:
        raise click.BadParameter("Provider type is required", param_hint="--type")
    spec: Manifest = {"type": type_}
    for key, value in (("channel", channel), ("username", username), ("address", address)):
        if value:
            spec[key] = value
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    return _object(Provider.KIND.api_version, "Provider", name, namespace, labels, spec)


def _object(api_version: str, kind: str, name: str, namespace: str, labels: dict[str, str] | None,
            spec: Manifest) -> Manifest:  # fmt: skip
    metadata: Manifest = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}


async def _apply(options: GlobalOptions, manifest: Manifest) -> None:
    async with connect(options.connection) as kube:
        step(f"applying {manifest['kind']}")
        await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)


def _emit(options: GlobalOptions, manifest: Manifest, export: bool) -> None:
    if export:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step(f"generating {manifest['kind']}")
    run(_apply(options, manifest))
    success(f"{manifest['kind']} {manifest['metadata']['name']} is ready")


_EXPORT = click.option("--export", is_flag=True, help="Print the YAML instead of applying it.")
_LABEL = click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Set a label (repeatable).")


@click.command("alert")
@click.argument("name")
@click.option("--provider-ref", default="", help="The Provider to send to.")
@click.option("--event-severity", default="", help="Severity of the events to send: info (all) or error.")
@click.option(
    "--event-source",
    "event_sources",
    multiple=True,
    help="Objects whose events are sent: <kind>/<name>[.<namespace>], repeatable or comma-separated.",
)
@_EXPORT
@_LABEL
@global_options
def create_alert(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update an Alert.

    \b
    Example:
      reflow create alert flux-system --event-severity info --event-source Kustomization/flux-system \\
        --provider-ref slack
    """  # fmt: skip
    manifest = alert(name, options.namespace, provider_ref=flags["provider_ref"],
                     event_sources=flags["event_sources"], event_severity=flags["event_severity"],
                     labels=parse_labels(flags["labels"]))  # fmt: skip
    _emit(options, manifest, flags["export"])


@click.command("alert-provider")
@click.argument("name")
@click.option("--type", "type_", default="", help="The service: slack, msteams, github, generic-hmac, …")
@click.option("--channel", default="", help="Channel to send messages to (chat providers).")
@click.option("--username", default="", help="Name to post as.")
@click.option("--address", default="", help="Webhook, chat API or Git repository address.")
@click.option("--secret-ref", default="", help="Secret with the token, address or headers.")
@_EXPORT
@_LABEL
@global_options
def create_alert_provider(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a Provider.

    \b
    Example:
      reflow create alert-provider slack --type slack --channel general --address https://hooks.slack.com/services/x
    """
    manifest = provider(name, options.namespace, type_=flags["type_"], channel=flags["channel"],
                        username=flags["username"], address=flags["address"], secret_ref=flags["secret_ref"],
                        labels=parse_labels(flags["labels"]))  # fmt: skip
    _emit(options, manifest, flags["export"])
