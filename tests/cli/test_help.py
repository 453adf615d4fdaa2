"""Every verb answers `--help` with an example, and the real entry point runs as a subprocess."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reflow.cli.main import cli

SRC = Path(__file__).resolve().parents[2] / "src"
OTHERS = {"dev", "version"}  # verbs owned elsewhere, with their own tests


def leaves(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if not path and name in OTHERS:
            continue
        if isinstance(command, click.Group):
            yield from leaves(command, (*path, name))
        else:
            yield (*path, name)


@pytest.mark.parametrize("words", list(leaves(cli)), ids=lambda words: " ".join(words))
def test_every_verb_has_help_with_an_example(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*words, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout


async def test_python_m_reflow_lists_kustomizations_in_a_subprocess(
    kubeconfig: Path, namespace: str, crds: None
) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reflow",
        "get",
        "ks",
        "--kubeconfig",
        str(kubeconfig),
        "-n",
        namespace,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert stdout == b""
    assert f"no Kustomization objects found in {namespace} namespace" in stderr.decode()
