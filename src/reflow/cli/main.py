"""The `reflow` command group: every verb hangs from here."""

from __future__ import annotations

import click

from reflow import __version__
from reflow.cli.artifact import build_artifact, diff_artifact
from reflow.cli.bootstrap import bootstrap
from reflow.cli.build import build
from reflow.cli.check import check
from reflow.cli.controllers import controllers
from reflow.cli.create import create, source
from reflow.cli.create_chart import chart
from reflow.cli.create_image import image
from reflow.cli.debug import debug
from reflow.cli.delete import delete
from reflow.cli.demo import demo
from reflow.cli.dev import dev
from reflow.cli.diff import diff
from reflow.cli.events import events
from reflow.cli.export import export
from reflow.cli.get import get
from reflow.cli.helmbuild import build_helmrelease, diff_helmrelease
from reflow.cli.install import install
from reflow.cli.listing import listing
from reflow.cli.logs import logs
from reflow.cli.mcp import mcp
from reflow.cli.migrate import migrate
from reflow.cli.pull import pull
from reflow.cli.push import push
from reflow.cli.reconcile import reconcile
from reflow.cli.stats import stats
from reflow.cli.suspend import resume, suspend
from reflow.cli.tag import tag
from reflow.cli.tenant import create_tenant
from reflow.cli.trace import trace
from reflow.cli.tree import tree
from reflow.cli.ui import ui
from reflow.cli.uninstall import uninstall
from reflow.cli.version import version


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "--version", prog_name="reflow")
def cli() -> None:
    """reflow: the GitOps toolkit that speaks Flux — sources, Kustomizations and Helm releases, kept in sync."""


cli.add_command(version)
cli.add_command(demo)
cli.add_command(dev)
cli.add_command(controllers)
cli.add_command(bootstrap)
cli.add_command(install)
cli.add_command(uninstall)
cli.add_command(migrate)
cli.add_command(build)
cli.add_command(diff)
cli.add_command(debug)
build.add_command(build_helmrelease)
build.add_command(build_artifact)
diff.add_command(diff_helmrelease)
diff.add_command(diff_artifact)
cli.add_command(create)
create.add_command(image)
create.add_command(create_tenant)
source.add_command(chart)
cli.add_command(get)
cli.add_command(reconcile)
cli.add_command(suspend)
cli.add_command(resume)
cli.add_command(delete)
cli.add_command(export)
cli.add_command(events)
cli.add_command(tree)
cli.add_command(trace)
cli.add_command(stats)
cli.add_command(logs)
cli.add_command(check)
cli.add_command(push)
cli.add_command(pull)
cli.add_command(tag)
cli.add_command(listing)
cli.add_command(ui)
cli.add_command(mcp)


def main() -> None:
    """Entry point of the `reflow` console script."""
    cli()
