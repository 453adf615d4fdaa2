"""Flux's global flags, added to every command that talks to a cluster, and turned into connection options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from reflow.api.duration import parse_duration
from reflow.kube.options import ConnectionOptions, default_namespace

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    """What the global flags said: how to connect, which namespace, how long to wait."""

    connection: ConnectionOptions
    namespace: str
    timeout: float


class Duration(click.ParamType[float, Any]):
    """A Go duration flag value (`5m`, `30s`), given to the command in seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        try:
            return parse_duration(str(value))
        except ValueError as err:
            self.fail(str(err), param, ctx)


def bool_flag(name: str, *, help: str) -> Callable[[F], F]:
    """A boolean flag as cobra parses one: `--name` alone means true, `--name=true|false` says which."""
    return click.option(name, type=click.BOOL, is_flag=False, flag_value=True, default=False, help=help)


_FLAGS: list[Callable[[F], F]] = [
    click.option(
        "--kubeconfig", envvar=None, help="Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."
    ),
    click.option("--context", "kube_context", help="The kubeconfig context to use."),
    click.option(
        "-n", "--namespace", default=None, help="The namespace (default: $FLUX_SYSTEM_NAMESPACE or flux-system)."
    ),
    click.option(
        "--timeout", type=Duration(), default="5m", show_default=True, help="How long to wait for operations."
    ),
    click.option("--server", help="The address and port of the Kubernetes API server."),
    click.option("--token", help="Bearer token for authentication to the API server."),
    click.option("--certificate-authority", help="Path to a CA certificate file for the API server."),
    click.option("--insecure-skip-tls-verify", is_flag=True, help="Do not verify the API server's certificate."),
    click.option("--as", "as_user", help="Username to impersonate for the operation."),
    click.option("--as-group", "as_groups", multiple=True, help="Group to impersonate (repeat for several)."),
    click.option(
        "--kube-api-qps", type=float, default=50.0, show_default=True, help="Average API requests per second."
    ),
    click.option("--kube-api-burst", type=int, default=300, show_default=True, help="Maximum burst of API requests."),
]

_NAMES = (
    "kubeconfig",
    "kube_context",
    "namespace",
    "timeout",
    "server",
    "token",
    "certificate_authority",
    "insecure_skip_tls_verify",
    "as_user",
    "as_groups",
    "kube_api_qps",
    "kube_api_burst",
)


def global_options(command: F) -> F:
    """Add the global flags to a command and hand it a `GlobalOptions` as its `options` argument."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags = {name: kwargs.pop(name) for name in _NAMES}
        kwargs["options"] = GlobalOptions(
            connection=ConnectionOptions(
                kubeconfig=flags["kubeconfig"],
                context=flags["kube_context"],
                server=flags["server"],
                token=flags["token"],
                certificate_authority=flags["certificate_authority"],
                insecure_skip_tls_verify=flags["insecure_skip_tls_verify"],
                as_user=flags["as_user"],
                as_groups=tuple(flags["as_groups"]),
                qps=flags["kube_api_qps"],
                burst=flags["kube_api_burst"],
                user_agent="reflow-cli",
            ),
            namespace=flags["namespace"] or default_namespace(),
            timeout=flags["timeout"],
        )
        return command(*args, **kwargs)

    decorated: Any = wrapper
    for flag in reversed(_FLAGS):
        decorated = flag(decorated)
    return decorated  # type: ignore[no-any-return]
