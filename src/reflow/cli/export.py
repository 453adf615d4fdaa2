"""`reflow export`: Flux objects as clean YAML, without status or server-managed metadata, ready to commit."""

from __future__ import annotations

import click

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import fail, out, run
from reflow.cli.nouns import ALL, NOTIFICATIONS, Noun, add_noun_commands, verb_group
from reflow.cli.options import GlobalOptions, global_options
from reflow.cli.render import to_yaml
from reflow.kube.client import connect

DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def clean(obj: Manifest, noun: Noun) -> Manifest:
    """The object as a user would write it: apiVersion, kind, name, namespace, labels, annotations and spec."""
    metadata = obj.get("metadata") or {}
    kept: Manifest = {"name": metadata["name"], "namespace": metadata.get("namespace")}
    if metadata.get("labels"):
        kept["labels"] = dict(metadata["labels"])
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items() if k not in DROPPED_ANNOTATIONS}
    if annotations:
        kept["annotations"] = annotations
    exported: Manifest = {"apiVersion": noun.api_version, "kind": noun.kind, "metadata": kept}
    if "spec" in obj:
        exported["spec"] = obj["spec"]
    return exported


async def export_objects(options: GlobalOptions, noun: Noun, name: str | None) -> str:
    """The YAML of one object, or of every object of the kind in the namespace sorted by name."""
    async with connect(options.connection) as kube:
        if name:
            objects = [await kube.get(ObjectRef(noun.api_version, noun.kind, name, options.namespace))]
        else:
            objects = await kube.list_all(noun.api_version, noun.kind, options.namespace)
    if not objects:
        fail(f"no {noun.kind} objects found in {options.namespace} namespace")
    objects.sort(key=lambda obj: obj["metadata"]["name"])
    return to_yaml(clean(obj, noun) for obj in objects)


def _command(noun: Noun) -> click.Command:
    @click.command(
        noun.word,
        help=f"Print {noun.kind} objects as YAML to commit to Git.\n\n\b\nExamples:\n"
        f"  reflow export {noun.phrase} podinfo > podinfo.yaml\n  reflow export {noun.phrase} --all",
    )
    @click.argument("name", required=False)
    @click.option("--all", "every", is_flag=True, help="Export every object of the kind in the namespace.")
    @global_options
    def command(name: str | None, every: bool, options: GlobalOptions) -> None:
        if bool(name) == every:
            raise click.UsageError(f"give a {noun.kind} name or --all")
        out.out(run(export_objects(options, noun, name)), end="", highlight=False)

    return command


export, _sources = verb_group("export", "Export Flux objects as YAML.")
add_noun_commands(export, _sources, _command, ALL + NOTIFICATIONS)
