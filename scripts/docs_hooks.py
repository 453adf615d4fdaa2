"""mkdocs hook: renders the CLI reference and the controller flags from the click command tree, so they never drift.

A page asks for a generated part with a marker line: `<!-- reflow:cli-reference -->` becomes every command's
`--help`, `<!-- reflow:controller-flags -->` a table of `reflow controllers`' options, and
`<!-- reflow:metrics -->` a table of the metrics a controller process exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from reflow.cli.main import cli
from reflow.runtime.metrics import Metrics

CLI_MARKER = "<!-- reflow:cli-reference -->"
FLAGS_MARKER = "<!-- reflow:controller-flags -->"
METRICS_MARKER = "<!-- reflow:metrics -->"
WIDTH = 100


def walk(
    command: click.Command, parent: click.Context | None = None, name: str = "reflow", aliases: tuple[str, ...] = ()
) -> Iterator[tuple[click.Context, click.Command, tuple[str, ...]]]:
    """Every visible command under `command` (itself first), each with the context its help is rendered in and
    the other names it is registered under in its group (`hr` for `helmrelease`), which are not walked again."""
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
    yield ctx, command, aliases
    if isinstance(command, click.Group):
        names: dict[int, list[str]] = {}
        subs: dict[int, click.Command] = {}
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                names.setdefault(id(sub), []).append(sub_name)
                subs[id(sub)] = sub
        for key, (first, *others) in names.items():
            primary = subs[key].name if subs[key].name in (first, *others) else first
            rest = tuple(n for n in (first, *others) if n != primary)
            yield from walk(subs[key], ctx, primary or first, rest)


def cli_reference(root: click.Command = cli) -> str:
    """One section per command: its full path as the heading, its aliases, and its `--help` text verbatim."""
    sections = []
    for ctx, command, aliases in walk(root):
        level = "#" * min(ctx.command_path.count(" ") + 2, 6)
        also = f"Also: {', '.join(f'`{alias}`' for alias in aliases)}\n\n" if aliases else ""
        sections.append(f"{level} `{ctx.command_path}`\n\n{also}```text\n{command.get_help(ctx).rstrip()}\n```\n")
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


def metrics_table() -> str:
    """A Markdown table of every metric of a controller process: name, type, labels and meaning."""
    rows = ["| metric | type | labels | meaning |", "|---|---|---|---|"]
    for metric in vars(Metrics()).values():
        if hasattr(metric, "_labelnames") and hasattr(metric, "_type"):
            labels = ", ".join(f"`{label}`" for label in metric._labelnames)
            name = f"{metric._name}_total" if metric._type == "counter" else metric._name
            rows.append(f"| `{name}` | {metric._type} | {labels} | {_cell(metric._documentation)} |")
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the markers of a page with the generated parts."""
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    if FLAGS_MARKER in markdown:
        markdown = markdown.replace(FLAGS_MARKER, controller_flags())
    if METRICS_MARKER in markdown:
        markdown = markdown.replace(METRICS_MARKER, metrics_table())
    return markdown
