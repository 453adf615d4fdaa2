"""Every shell block the docs mark `<!-- runnable -->` runs, against the session's plane, and exits 0.

A page's blocks run in order in one temporary folder and one fresh namespace (`$FLUX_SYSTEM_NAMESPACE`,
so the commands' default `-n` is that namespace), each with `bash -euo pipefail`, with reflow's CRDs
installed and no controllers running: marked blocks are the safe, fast ones (get, create --export,
install --export, tree, …).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MARKER = "<!-- runnable -->"
BLOCK = re.compile(r"^" + re.escape(MARKER) + r"[ \t]*\n```sh\n(.*?)\n```", re.DOTALL | re.MULTILINE)
BLOCK_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Block:
    """One marked block: the page, the line its fence opens on, and its script."""

    page: str
    line: int
    script: str


def blocks_of(page: Path) -> list[Block]:
    """The marked blocks of a page, in order."""
    text = page.read_text()
    name = str(page.relative_to(DOCS))
    return [Block(name, text.count("\n", 0, match.start(1)), match[1]) for match in BLOCK.finditer(text)]


def markers(text: str) -> int:
    """How many lines of a page are the marker alone (a marker quoted inside a sentence is not one)."""
    return sum(line.strip() == MARKER for line in text.splitlines())


def marked_pages() -> list[Path]:
    """The pages with at least one marker line."""
    return [page for page in sorted(DOCS.rglob("*.md")) if markers(page.read_text())]


def test_a_marker_must_sit_alone_right_above_a_sh_fence() -> None:
    page = (
        "text\n<!-- runnable -->\n```sh\nreflow get sources git\n```\n<!-- runnable -->\n```yaml\na: b\n```\n"
        "quoted `<!-- runnable -->`\n```sh\nreflow stats\n```\n"
    )
    assert [match[1] for match in BLOCK.finditer(page)] == ["reflow get sources git"]
    assert markers(page) == 2


def test_every_marker_in_the_docs_marks_a_sh_block() -> None:
    assert len(marked_pages()) >= 4
    for page in marked_pages():
        assert markers(page.read_text()) == len(blocks_of(page)), f"{page}: a marker not above a ```sh block"


@pytest.mark.parametrize("page", marked_pages(), ids=lambda page: str(page.relative_to(DOCS)))
async def test_the_marked_blocks_of_a_page_run(
    page: Path, kubeconfig: Path, namespace: str, flux_crds: list[Any], tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "KUBECONFIG": str(kubeconfig),
        "FLUX_SYSTEM_NAMESPACE": namespace,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for block in blocks_of(page):
        process = await asyncio.create_subprocess_exec(
            "bash", "-euo", "pipefail", "-c", block.script,
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            async with asyncio.timeout(BLOCK_TIMEOUT):
                output, _ = await process.communicate()
        except TimeoutError:
            process.kill()
            await process.wait()
            pytest.fail(f"{block.page}:{block.line}: still running after {BLOCK_TIMEOUT:.0f} s", pytrace=False)
        assert process.returncode == 0, f"{block.page}:{block.line} exited {process.returncode}:\n{output.decode()}"
