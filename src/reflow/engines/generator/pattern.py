"""`pathPattern`: one set of artifacts per source directory matching `dir/{capture}/…`, rendered with its captures.

Captured values are lower-cased for names and labels (they must then be valid label values) and kept
as written in copy paths, which point back into the source.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reflow.api.sourceext import OutputArtifact
from reflow.engines.generator.errors import InvalidPattern

CAPTURE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_VALUE_MAX = 63
OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
OBJECT_NAME_MAX = 253
NAMESPACE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True, slots=True)
class Request:
    """One artifact to build: the spec entry with placeholders filled, and the labels its captures give."""

    artifact: OutputArtifact
    labels: Mapping[str, str] = field(default_factory=dict)


def _pieces(template: str, where: str) -> list[tuple[bool, str]]:
    """`template` as (is_capture, text) pieces; InvalidPattern for an unbalanced brace or a bad name."""
    pieces: list[tuple[bool, str]] = []
    index = 0
    for found in re.finditer(r"\{([^{}]*)\}|[{}]", template):
        if found[0] in "{}":
            raise InvalidPattern(f"{where} '{template}' has an unmatched '{found[0]}' at offset {found.start()}")
        name = found[1]
        if not CAPTURE_NAME.match(name):
            raise InvalidPattern(f"{where} '{template}': capture name '{name}' must match [A-Za-z_][A-Za-z0-9_]*")
        pieces.append((False, template[index : found.start()]))
        pieces.append((True, name))
        index = found.end()
    pieces.append((False, template[index:]))
    return pieces


def render(template: str, values: Mapping[str, str], where: str) -> str:
    """`template` with each `{name}` replaced; InvalidPattern for a name the pathPattern does not capture."""
    out: list[str] = []
    for is_capture, text in _pieces(template, where):
        if is_capture and text not in values:
            raise InvalidPattern(f"{where} '{template}' uses '{{{text}}}', which the pathPattern does not capture")
        out.append(values[text] if is_capture else text)
    return "".join(out)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regular expression of a pathPattern's path part (`apps/{app}/envs/{env}`)."""
    seen: set[str] = set()
    regex = ["^"]
    for is_capture, text in _pieces(pattern, "pathPattern"):
        if not is_capture:
            regex.append(re.escape(text))
            continue
        if text in seen:
            raise InvalidPattern(f"pathPattern '{pattern}' captures '{text}' twice")
        seen.add(text)
        regex.append(f"(?P<{text}>[^/]+)")
    regex.append("$")
    return re.compile("".join(regex))


def expand(pattern: str, directories: Iterable[str], artifacts: Iterable[OutputArtifact]) -> list[Request]:
    """One request per artifact and matching directory (relative, `/`-separated), in directory order."""
    matcher = compile_pattern(pattern)
    artifacts = tuple(artifacts)
    requests: list[Request] = []
    named: dict[str, str] = {}
    for directory in sorted(directories):
        found = matcher.match(directory)
        if found is None:
            continue
        raw = found.groupdict()
        values = {name: value.lower() for name, value in raw.items()}
        for name, value in values.items():
            if len(value) > LABEL_VALUE_MAX or not LABEL_VALUE.match(value):
                raise InvalidPattern(
                    f"pathPattern '{pattern}': '{value}' captured as '{name}' from '{directory}' is not a valid "
                    f"label value (at most {LABEL_VALUE_MAX} letters, digits, '-', '_' or '.', "
                    "starting and ending with a letter or digit)"
                )
        for artifact in artifacts:
            request = _rendered(artifact, values, raw, directory)
            key = f"{request.artifact.namespace or ''}/{request.artifact.name}"
            if key in named:
                raise InvalidPattern(
                    f"pathPattern '{pattern}': directories '{named[key]}' and '{directory}' both make "
                    f"artifact '{request.artifact.name}'"
                )
            named[key] = directory
            requests.append(request)
    return requests


def _rendered(artifact: OutputArtifact, values: Mapping[str, str], raw: Mapping[str, str], directory: str) -> Request:
    name = render(artifact.name, values, "artifact name")
    if len(name) > OBJECT_NAME_MAX or not OBJECT_NAME.match(name):
        raise InvalidPattern(f"artifact name '{name}' rendered for '{directory}' is not a valid Kubernetes object name")
    namespace = render(artifact.namespace, values, "artifact namespace") if artifact.namespace else None
    if namespace is not None and (len(namespace) > LABEL_VALUE_MAX or not NAMESPACE_NAME.match(namespace)):
        raise InvalidPattern(f"artifact namespace '{namespace}' rendered for '{directory}' is not a valid namespace")
    copies = tuple(
        dataclasses.replace(op, from_=render(op.from_, raw, "copy from"), to=render(op.to, raw, "copy to"))
        for op in artifact.copy
    )
    inputs = render(artifact.inputs_from, raw, "inputsFrom") if artifact.inputs_from else None
    rendered = dataclasses.replace(artifact, name=name, namespace=namespace, copy=copies, inputs_from=inputs)
    return Request(rendered, dict(values))


def requests_without_pattern(artifacts: Iterable[OutputArtifact]) -> list[Request]:
    """The artifacts as the spec lists them, with duplicate names refused."""
    requests = [Request(artifact) for artifact in artifacts]
    seen: set[str] = set()
    for request in requests:
        key = f"{request.artifact.namespace or ''}/{request.artifact.name}"
        if key in seen:
            raise InvalidPattern(f"artifact '{request.artifact.name}' is listed twice")
        seen.add(key)
    return requests
