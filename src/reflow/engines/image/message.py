"""The commit message of an image update: `messageTemplate` rendered over Flux's template data.

The data has Flux's shape: `.AutomationObject` (prints `namespace/name`), `.Changed` with `.FileChanges`,
`.Objects` and `.Changes`, and `.Values` from `messageTemplateValues`. Templates written for Flux render
the same text; one using the removed `.Updated` or `.Changed.ImageResult` gets Flux's pointer to `.Changed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reflow.engines.gotemplate import Template, TemplateExecError, TemplateSyntaxError
from reflow.engines.image.setters import SetterResult

DEFAULT_MESSAGE = "Update from image update automation"
_DOCS = "See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template"
_REMOVED = {
    ("Updated", "TemplateData"): "template uses removed '.Updated' field. Please use '.Changed' instead.",
    ("ImageResult", "SetterResult"): (
        "template uses removed '.Changed.ImageResult' field. Please use '.Changed.FileChanges' or"
        " '.Changed.Objects' instead."
    ),
}


class InvalidMessageTemplate(ValueError):
    """`messageTemplate` does not parse or fails to render; fixing the spec is the only remedy."""


class RemovedTemplateField(InvalidMessageTemplate):
    """The template uses template data Flux removed."""


@dataclass(frozen=True, slots=True)
class AutomationObject:
    """The ImageUpdateAutomation's name, printed `namespace/name` like Go's NamespacedName."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class TemplateData:
    """What `messageTemplate` sees."""

    automation_object: AutomationObject
    changed: SetterResult
    values: Mapping[str, str] = field(default_factory=dict)


def commit_message(template: str | None, data: TemplateData) -> str:
    """The rendered message; Flux's default when no template is set."""
    try:
        return Template.parse(template or DEFAULT_MESSAGE, "commit message").render(data)
    except TemplateSyntaxError as err:
        raise InvalidMessageTemplate(f"unable to create commit message template from spec: {err}") from err
    except TemplateExecError as err:
        removed = _REMOVED.get((err.field, err.type_name))
        if removed is not None:
            raise RemovedTemplateField(f"{removed} {_DOCS}") from err
        raise InvalidMessageTemplate(f"failed to run template from spec: {err}") from err
