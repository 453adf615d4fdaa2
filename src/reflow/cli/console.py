"""Terminal output for every command: one console for results, one for progress and errors."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console

from reflow.kube.errors import ConfigError, Forbidden, KubeError, NotFound, Unauthorized, Unreachable

T = TypeVar("T")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def success(message: str) -> None:
    """A finished step, as `✔ message`."""
    err.print(f"[green]✔[/] {message}")


def step(message: str) -> None:
    """A step being taken, as `► message`."""
    err.print(f"[blue]►[/] {message}")


def generated(message: str) -> None:
    """Something made or to be changed, as `✚ message`."""
    err.print(f"[green]✚[/] {message}")


def warning(message: str) -> None:
    """Something left out or odd that does not stop the command, as `⚠️ message`."""
    err.print(f"[yellow]⚠️[/] {message}")


class Failure(SystemExit):
    """A command that cannot go on: exits with its code, and keeps the message and hint for callers that are not
    a terminal (`reflow mcp` answers them to the assistant)."""

    def __init__(self, message: str, hint: str | None, code: int) -> None:
        super().__init__(code)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


def fail(message: str, hint: str | None = None, *, code: int = 1) -> NoReturn:
    """Print `✗ message` (and a hint) and exit with `code`."""
    err.print(f"[red]✗[/] {message}")
    if hint:
        err.print(f"  [dim]hint:[/] {hint}")
    raise Failure(message, hint, code)


def hint_for(error: KubeError) -> str | None:
    if isinstance(error, Unreachable | ConfigError):
        return "check --kubeconfig/--context, or start a local plane with `reflow dev up`"
    if isinstance(error, Unauthorized):
        return "the credentials in the kubeconfig were refused; refresh them"
    if isinstance(error, Forbidden):
        return "the identity in use (see --as) lacks RBAC permission for this"
    if isinstance(error, NotFound):
        return "check the name and the namespace (-n)"
    return None


def run(coroutine: Coroutine[Any, Any, T], *, error_code: int = 1) -> T:
    """Run a command's coroutine; cluster errors become one clear line and exit code `error_code` (1)."""
    try:
        return asyncio.run(coroutine)
    except KubeError as error:
        fail(str(error), hint_for(error), code=error_code)
    except KeyboardInterrupt:
        raise click.Abort() from None
