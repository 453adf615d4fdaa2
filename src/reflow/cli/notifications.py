"""`reflow create alert|alert-provider|receiver`: Alerts, Providers and Receivers as `flux create` makes them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from reflow.api.meta import Manifest, ObjectRef
from reflow.api.notification import Alert, Provider, Receiver
from reflow.cli.console import fail, out, run, step, success
from reflow.cli.manifests import parse_labels, split_list
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.progress import wait_reconciled
from reflow.cli.render import to_yaml
from reflow.engines.flux.state import ready
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


RECEIVER_TYPES = ("generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay", "gcr",
                  "nexus", "acr", "cdevents")  # fmt: skip
"""The types `flux create receiver --type` takes, in Flux's order (generic-oidc needs `oidcProviders`, no flag)."""


def receiver(
    name: str, namespace: str, *, type_: str, secret_ref: str, events: Sequence[str] = (),
    resources: Sequence[str] = (), labels: dict[str, str] | None = None,
) -> Manifest:  # fmt: skip
    """A Receiver as `flux create receiver` makes it from the same flags."""
    if not type_:
        raise click.BadParameter("Receiver type is required", param_hint="--type")
    if type_ not in RECEIVER_TYPES:
        raise click.BadParameter(f"receiver type '{type_}' is not supported, must be one of: "
                                 f"{', '.join(RECEIVER_TYPES)}", param_hint="--type")  # fmt: skip
    if not secret_ref:
        raise click.BadParameter("secret ref is required", param_hint="--secret-ref")
    entries = []
    for text in split_list(resources):
        kind, sep, rest = text.partition("/")
        if not sep or not kind or "/" in rest:
            raise click.BadParameter(f"invalid event source '{text}', must be in format <kind>/<name>",
                                     param_hint="--resource")  # fmt: skip
        entries.append({"kind": kind, "name": rest})
    if not entries:
        raise click.BadParameter("atleast one resource is required", param_hint="--resource")
    spec: Manifest = {"type": type_, "resources": entries, "secretRef": {"name": secret_ref}}
    if events := split_list(events):
        spec["events"] = events
    return _object(Receiver.KIND.api_version, "Receiver", name, namespace, labels, spec)


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


async def _apply_and_wait(options: GlobalOptions, manifest: Manifest) -> Manifest:
    async with connect(options.connection) as kube:
        step(f"applying {manifest['kind']}")
        await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
        step(f"waiting for {manifest['kind']} reconciliation")
        return (await wait_reconciled(kube, ObjectRef.of(manifest), token=None, timeout=options.timeout)).obj


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


@click.command("receiver")
@click.argument("name")
@click.option("--type", "type_", default="", help=f"The sender: {', '.join(RECEIVER_TYPES)}.")
@click.option("--secret-ref", default="", help="Secret with the `token` that signs or authorises the webhooks.")
@click.option("--event", "events", multiple=True, help="Event type to accept (repeatable or comma-separated).")
@click.option("--resource", "resources", multiple=True,
              help="Object to reconcile on a webhook: <kind>/<name> (repeatable or comma-separated).")  # fmt: skip
@_EXPORT
@_LABEL
@global_options
def create_receiver(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a Receiver and print its webhook path.

    \b
    Example:
      reflow create receiver github-receiver --type github --event ping --event push \\
        --secret-ref webhook-token --resource GitRepository/webapp --resource HelmRepository/webapp
    """
    manifest = receiver(name, options.namespace, type_=flags["type_"], secret_ref=flags["secret_ref"],
                        events=flags["events"], resources=flags["resources"],
                        labels=parse_labels(flags["labels"]))  # fmt: skip
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step("generating Receiver")
    obj = run(_apply_and_wait(options, manifest))
    status, message = ready(obj)
    if status != "True":
        fail(f"Receiver reconciliation failed: {message}", "`reflow events --for Receiver/" + name + "` shows why")
    success(f"Receiver {name} is ready")
    success(f"generated webhook URL {obj['status']['webhookPath']}")
