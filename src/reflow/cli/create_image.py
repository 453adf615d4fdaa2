"""`reflow create image repository|policy|update`: image automation objects, applied or printed with `--export`."""

from __future__ import annotations

from typing import Any

import click

from reflow.api.meta import Manifest
from reflow.cli.console import fail, out, run, step, success
from reflow.cli.create import _apply, _common
from reflow.cli.imagemanifests import InvalidFlags, image_policy, image_repository, image_update
from reflow.cli.manifests import parse_labels
from reflow.cli.nouns import AliasGroup
from reflow.cli.options import Duration, GlobalOptions, global_options
from reflow.cli.render import to_yaml
from reflow.engines.flux.state import ready


@click.group("image", cls=AliasGroup)
def image() -> None:
    """Create or update image automation objects: repository, policy, update."""


def _emit(options: GlobalOptions, export: bool, build: Any, **arguments: Any) -> None:
    try:
        manifest: Manifest = build(**arguments)
    except InvalidFlags as error:
        fail(str(error), code=2)
    if export:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    kind = manifest["kind"]
    step(f"generating {kind}")
    obj = run(_apply(options, [manifest]))
    status, message = ready(obj)
    if status != "True":
        fail(f"{kind} reconciliation failed: {message}", "`reflow events --for` shows what happened")
    success(f"{kind} reconciliation completed")


@image.command("repository")
@click.argument("name")
@click.option("--image", "image_name", default="", help="The image repository to scan, e.g. library/alpine.")
@click.option("--secret-ref", help="Name of a docker-registry Secret with credentials.")
@click.option("--cert-ref", help="Name of a Secret with TLS certificates.")
@click.option("--scan-timeout", type=Duration(), help="Time limit for a scan; the interval when not set.")
@_common
@global_options
def repository(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update an ImageRepository, which scans an image repository's tags.

    \b
    Examples:
      reflow create image repository alpine-repo --image alpine --interval 20m
      reflow create image repository myapp-repo --secret-ref image-pull --image ghcr.io/example/myapp --interval 5m
    """
    _emit(options, flags["export"], image_repository, name=name, namespace=options.namespace,
          image=flags["image_name"], interval=flags["interval"], labels=parse_labels(flags["labels"]),
          secret_ref=flags["secret_ref"], cert_ref=flags["cert_ref"], scan_timeout=flags["scan_timeout"])  # fmt: skip


@image.command("policy")
@click.argument("name")
@click.option("--image-ref", default="", help="Name of the ImageRepository in the namespace.")
@click.option("--select-semver", help="A semver range to apply to tags, e.g. '1.x'.")
@click.option("--select-alpha", help="Alphabetical order: 'asc' selects the last tag, 'desc' the first.")
@click.option("--select-numeric", help="Numerical order: 'asc' selects the largest tag, 'desc' the smallest.")
@click.option("--filter-regex", help="Regular expression (RE2) the tags must match.")
@click.option("--filter-extract", help="Replacement using --filter-regex's groups (e.g. '$ts') to compare instead.")
@click.option("--reflect-digest", help="When to record the tag's digest: Never, IfNotPresent or Always.")
@click.option("--interval", type=Duration(), help="How often to look up digests (with --reflect-digest=Always).")
@click.option("--export", is_flag=True, help="Print the YAML instead of applying it.")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Set a label (repeatable).")
@global_options
def policy(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update an ImagePolicy, which chooses the latest tag of an ImageRepository.

    \b
    Examples:
      reflow create image policy podinfo --image-ref=podinfo --select-semver=">=1.0.0"
      reflow create image policy podinfo --image-ref=podinfo --select-numeric=asc \\
        --filter-regex='^main-[a-f0-9]+-(?P<ts>[0-9]+)' --filter-extract='$ts'
    """
    _emit(options, flags["export"], image_policy, name=name, namespace=options.namespace,
          image_ref=flags["image_ref"], labels=parse_labels(flags["labels"]), semver=flags["select_semver"],
          alpha=flags["select_alpha"], numeric=flags["select_numeric"], filter_regex=flags["filter_regex"],
          filter_extract=flags["filter_extract"], reflect_digest=flags["reflect_digest"],
          interval=flags["interval"])  # fmt: skip


@image.command("update")
@click.argument("name")
@click.option("--git-repo-ref", default="", help="Name of the GitRepository to update.")
@click.option("--git-repo-namespace", help="Namespace of the GitRepository; the automation's when not set.")
@click.option("--git-repo-path", help="Directory with the manifests to update; the repository root when not set.")
@click.option("--checkout-branch", default="", help="The branch to check out.")
@click.option("--push-branch", help="The branch to push commits to; the checkout branch when not set.")
@click.option("--commit-template", help="A Go template for the commit message.")
@click.option("--author-name", default="", help="The commit author's name.")
@click.option("--author-email", default="", help="The commit author's email.")
@click.option("--signing-key-secret", help="Name of the Secret holding the key that signs commits.")
@click.option("--signing-key-type", help="Kind of signing key: gpg or ssh (gpg when not set).")
@_common
@global_options
def update(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update an ImageUpdateAutomation, which commits the policies' latest images to Git.

    \b
    Examples:
      reflow create image update flux-system --git-repo-ref=flux-system --git-repo-path=./clusters/my-cluster \\
        --checkout-branch=main --author-name=flux --author-email=flux@example.com
    """
    _emit(options, flags["export"], image_update, name=name, namespace=options.namespace,
          git_repo_ref=flags["git_repo_ref"], checkout_branch=flags["checkout_branch"],
          author_name=flags["author_name"], author_email=flags["author_email"], interval=flags["interval"],
          labels=parse_labels(flags["labels"]), git_repo_namespace=flags["git_repo_namespace"],
          git_repo_path=flags["git_repo_path"], push_branch=flags["push_branch"],
          commit_template=flags["commit_template"], signing_key_secret=flags["signing_key_secret"],
          signing_key_type=flags["signing_key_type"])  # fmt: skip
