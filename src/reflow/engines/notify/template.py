"""Alert message templates (reflow's `spec.messageTemplate`): the message a provider sends, made from the event.

A template holding `{{` is a Go template (the engine of image automation's commit messages) over the event in
Flux's Go shape: `.InvolvedObject.Kind`, `.Severity`, `.Message`, `.Reason`, `.Action`, `.Metadata.revision`, …
Any other template keeps the first syntax, Flux's `${var}` substitution (the postBuild engine: defaults,
substrings, case and replace operators), so existing Alerts render as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reflow.engines.envsubst import SubstitutionSyntaxError, VariableNotSet, substitute
from reflow.engines.gotemplate import Template, TemplateExecError, TemplateSyntaxError

from .event import Event
from .target import ProviderError

NOT_A_NAME = re.compile(r"[^A-Za-z0-9_]")
GO_ACTION = "{{"
"""A template with this marker is a Go template; without it, `${var}` substitution."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectReference:
    """An event's involved (or related) object, with the Go field names of Kubernetes' ObjectReference."""

    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    api_version: str = ""
    resource_version: str = ""

    @classmethod
    def of(cls, ref: Mapping[str, object] | None) -> ObjectReference | None:
        if ref is None:
            return None
        return cls(kind=str(ref.get("kind", "")), namespace=str(ref.get("namespace", "")),
                   name=str(ref.get("name", "")), uid=str(ref.get("uid", "")),
                   api_version=str(ref.get("apiVersion", "")),
                   resource_version=str(ref.get("resourceVersion", "")))  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageData:
    """What a Go message template sees: Flux's event fields by their Go names (`.InvolvedObject`, `.Metadata`, …).
    `.Metadata` holds the keys as the provider gets them (`revision`, `summary`, …)."""

    involved_object: ObjectReference
    related_object: ObjectReference | None = None
    severity: str
    timestamp: str
    message: str
    reason: str
    action: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    reporting_controller: str
    reporting_instance: str

    @classmethod
    def of(cls, event: Event) -> MessageData:
        return cls(
            involved_object=ObjectReference.of(event.involved) or ObjectReference(),
            related_object=ObjectReference.of(event.related),
            severity=event.severity,
            timestamp=event.timestamp,
            message=event.message,
            reason=event.reason,
            action=event.action,
            metadata=dict(event.metadata),
            reporting_controller=event.reporting_controller,
            reporting_instance=event.reporting_instance,
        )


def variables(event: Event) -> dict[str, str]:
    """The `${var}` variables: the event's fields, then each metadata key (`.`, `/`, `-` become `_`)."""
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

    ProviderError names what is wrong: a Go template that does not parse or fails on this event (an unknown
    field), or a `${var}` the event does not have and that gives no default (`${summary:=none}`).
    """
    if not template:
        return event
    if GO_ACTION in template:
        return replace(event, message=_render_go(template, event))
    try:
        message = substitute(template, variables(event), strict=True)
    except VariableNotSet as err:
        raise ProviderError(f"spec.messageTemplate: the event has no {err.name!r}; give a default: "
                            f"${{{err.name}:=…}}") from err  # fmt: skip
    except SubstitutionSyntaxError as err:
        raise ProviderError(f"spec.messageTemplate: {err}") from err
    return replace(event, message=message)


def _render_go(template: str, event: Event) -> str:
    try:
        return Template.parse(template, "messageTemplate").render(MessageData.of(event))
    except TemplateSyntaxError as err:
        raise ProviderError(f"spec.messageTemplate: unable to parse the Go template: {err}") from err
    except TemplateExecError as err:
        raise ProviderError(f"spec.messageTemplate: failed to run the Go template: {err}") from err
