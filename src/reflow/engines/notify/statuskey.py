"""The commit status key: Flux's default, or the Provider's `commitStatusExpr` in CEL over event, alert, provider."""

from __future__ import annotations

from cel_expr_python import cel
from cel_expr_python.ext import ext_strings

from reflow.api.meta import Manifest

from .event import Event
from .routing import default_status_key
from .target import ProviderError

_ENV = cel.NewEnv(
    variables={"event": cel.Type.DYN, "alert": cel.Type.DYN, "provider": cel.Type.DYN},
    extensions=[ext_strings.ExtStrings()],
)


def status_key(event: Event, alert: Manifest, provider: Manifest, expression: str | None) -> str:
    """The key a commit-status provider posts under; ProviderError when the expression fails or is not a string."""
    if not expression:
        return default_status_key(str(provider.get("metadata", {}).get("uid", "")), event)
    try:
        program = _ENV.compile(expression)
    except RuntimeError as err:
        first = str(err).removeprefix("INVALID_ARGUMENT: ").splitlines()[0]
        raise ProviderError(f"failed to compile the spec.commitStatusExpr CEL expression: {first}") from err
    try:
        value = program.eval(data={"event": event.body(), "alert": alert, "provider": provider})
    except (RuntimeError, TypeError, ValueError) as err:
        raise ProviderError(
            f"failed to evaluate the spec.commitStatusExpr CEL expression for the event: {err}"
        ) from err
    result = value.value()
    if value.type() == cel.Type.ERROR:
        raise ProviderError(f"failed to evaluate the spec.commitStatusExpr CEL expression for the event: {result}")
    if not isinstance(result, str):
        raise ProviderError(f"spec.commitStatusExpr must yield a string, got: {result!r}")
    return result
