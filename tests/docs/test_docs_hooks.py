"""The mkdocs hook renders the command tree, the controller flags and the metrics from the code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import click

ROOT = Path(__file__).resolve().parents[2]


def load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "scripts" / "docs_hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("docs_hooks", module)
    spec.loader.exec_module(module)
    return module


hooks = load_hooks()


@click.group()
def tool() -> None:
    """A tool."""


@tool.group()
def get() -> None:
    """Get things."""


@get.command()
@click.option("--wide", is_flag=True, help="More | columns.")
def things(wide: bool) -> None:
    """List things."""


get.add_command(things, "th")


@tool.command(hidden=True)
def secret() -> None:
    """Not shown."""


def test_every_visible_command_gets_a_section_with_its_help_and_aliases() -> None:
    text = hooks.cli_reference(tool)
    assert "## `reflow`" in text
    assert "### `reflow get`" in text
    assert "#### `reflow get things`\n\nAlso: `th`" in text
    assert "Usage: reflow get things [OPTIONS]" in text
    assert "secret" not in text


def test_the_real_command_tree_is_rendered_whole() -> None:
    text = hooks.cli_reference()
    for path in ("reflow install", "reflow create source git", "reflow trace", "reflow dev up"):
        assert f"`{path}`" in text


def test_markers_are_replaced_and_table_cells_escape_pipes() -> None:
    page = f"# Flags\n\n{hooks.FLAGS_MARKER}\n\n{hooks.METRICS_MARKER}\n"
    rendered = hooks.on_page_markdown(page)
    assert hooks.FLAGS_MARKER not in rendered
    assert "| `--log-level [debug\\|info\\|error]` |" in rendered
    assert "| `controller_runtime_reconcile_total` | counter | `controller`, `result` |" in rendered
