"""mkdocs hook: renders the CLI reference and the controller flags from the click command tree, so they never drift.

A page asks for a generated part with a marker line: `<!-- reflow:cli-reference -->` becomes every command's
`--help`, `<!-- reflow:controller-flags -->` a table of `reflow controllers`' options.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from reflow.cli.main import cli

CLI_MARKER = "<!-- reflow:cli-reference -->"
FLAGS_MARKER = "<!-- reflow:controller-flags -->"
WIDTH = 100


def walk(
    command: click.Command, parent: click.Context | None = None, name: str = "reflow"
) -> Iterator[tuple[click.Context, click.Command]]:
    """Every visible command under `command` (itself first), each with the context its help is rendered in."""
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
    yield ctx, command
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, ctx, sub_name)


def cli_reference(root: click.Command = cli) -> str:
    """One section per command: its full path as the heading and its `--help` text verbatim."""
    sections = []
    for ctx, command in walk(root):
        level = "#" * min(ctx.command_path.count(" ") + 2, 6)
        sections.append(f"{level} `{ctx.command_path}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(sections)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def controller_flags(root: click.Group = cli) -> str:
    """A Markdown table of `reflow controllers`' options: flag, default and meaning."""
    ctx = click.Context(root, info_name="reflow")
    command = root.get_command(ctx, "controllers")
    assert command is not None, "reflow has no `controllers` command"
    sub_ctx = click.Context(command, info_name="controllers", parent=ctx)
    rows = ["| flag | meaning |", "|---|---|"]
    for param in command.get_params(sub_ctx):
        record = param.get_help_record(sub_ctx) if isinstance(param, click.Option) else None
        if record is not None:
            flags, meaning = record
            rows.append(f"| `{_cell(flags)}` | {_cell(meaning) or ' '} |")
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the markers of a page with the generated parts."""
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    if FLAGS_MARKER in markdown:
        markdown = markdown.replace(FLAGS_MARKER, controller_flags())
    return markdown
