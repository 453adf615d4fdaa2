"""Alert message templates (reflow's `spec.messageTemplate`): the message a provider sends, made from the event
with Flux's `${var}` substitution (the postBuild engine: defaults, substrings, case and replace operators)."""

from __future__ import annotations

import re
from dataclasses import replace

from reflow.engines.envsubst import SubstitutionSyntaxError, VariableNotSet, substitute

from .event import Event
from .target import ProviderError

NOT_A_NAME = re.compile(r"[^A-Za-z0-9_]")


def variables(event: Event) -> dict[str, str]:
    """The template's variables: the event's fields, then each metadata key (`.`, `/`, `-` become `_`)."""
    values = {
        "message": event.message,
        "reason": event.reason,
        "severity": event.severity,
        "action": event.action,
        "kind": event.kind,
        "name": event.name,
        "namespace": event.namespace,
        "controller": event.reporting_controller,
        "timestamp": event.timestamp,
    }
    for key, value in event.metadata.items():
        values.setdefault(NOT_A_NAME.sub("_", key), value)
    return values


def render_message(event: Event, template: str | None) -> Event:
    """The event with its message rendered from the template; unchanged without one.

    A variable the event does not have, with no default (`${summary:=none}`), is an error that names it.
    """
    if not template:
        return event
    try:
        message = substitute(template, variables(event), strict=True)
    except VariableNotSet as err:
        raise ProviderError(f"spec.messageTemplate: the event has no {err.name!r}; give a default: "
                            f"${{{err.name}:=…}}") from err  # fmt: skip
    except SubstitutionSyntaxError as err:
        raise ProviderError(f"spec.messageTemplate: {err}") from err
    return replace(event, message=message)
