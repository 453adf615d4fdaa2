"""Image setter markers: rewrite the YAML scalars marked `# {"$imagepolicy": "ns:name[:tag|:name|:digest]"}`.

The marker is the line comment of a scalar (a mapping value or a sequence item), as kyaml reads it for
Flux: the comment without its leading `#` must be a JSON object of strings whose `$imagepolicy` names a
setter. The setters of a policy `ns/name` with latest image `name:tag[@digest]` are `ns:name` (the whole
reference), `ns:name:tag`, `ns:name:name` and `ns:name:digest`.

Flux parses each file and writes it back through kyaml's serializer; here the file is parsed only to find
the marked scalars and their spans, and each span is replaced in the original text, so every other byte
(comments, key order, indentation, quoting, line endings) stays as it was. A value that YAML 1.1 would
read as something other than a string (`1.10`, `yes`, `1700000300`) is double-quoted when the scalar was
plain, as kyaml does. A file that does not parse is left untouched and reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import yaml

from reflow.api.image import ImageRef
from reflow.engines.gotemplate.gofmt import Struct

TOKEN = '"$imagepolicy"'  # files without it are not parsed, as in Flux
_SHORTHAND = "$imagepolicy"
_LINE_COMMENT = re.compile(r"[ \t]+#([^\r\n]*)")
_YAML11_BOOLS = frozenset({"y", "Y", "n", "N"})  # booleans to Go's YAML 1.1 reader, strings to PyYAML's


@dataclass(frozen=True, slots=True, order=True)
class ObjectId:
    """The Kubernetes object a change was made in, as Flux's template data identifies it."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""

    def go_fields(self) -> tuple[object, ...]:
        """As Flux's ObjectIdentifier prints: it embeds kyaml's {TypeMeta{APIVersion Kind} NameMeta{Name Namespace}}."""
        return (Struct((Struct((self.api_version, self.kind)), Struct((self.name, self.namespace)))),)


@dataclass(frozen=True, slots=True)
class Change:
    """One scalar rewritten by a setter."""

    old_value: str
    new_value: str
    setter: str

    def go_fields(self) -> tuple[object, ...]:
        return (self.old_value, self.new_value, self.setter)


@dataclass(frozen=True, slots=True)
class Marker:
    """A marker found in a file: where, and the setter it names."""

    path: str
    line: int  # 1-based
    setter: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.setter}"


@dataclass(frozen=True, slots=True)
class FileUpdate:
    """A file whose marked scalars changed: its new text and the changes by object, in file order."""

    path: str
    text: str
    changes: tuple[tuple[ObjectId, Change], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetterResult:
    """What applying the setters did: the changed files, the files that do not parse, unknown markers."""

    files: tuple[FileUpdate, ...] = ()
    unparsable: Mapping[str, str] = field(default_factory=dict)  # path -> parser message
    unresolved: tuple[Marker, ...] = ()  # markers naming no policy with a latest image

    def go_fields(self) -> tuple[object, ...]:
        """As Flux's update.Result prints: its one field is FileChanges."""
        return (self.file_changes(),)

    def file_changes(self) -> dict[str, dict[ObjectId, list[Change]]]:
        """Changes by file, then by object (Flux's `.Changed.FileChanges`)."""
        result: dict[str, dict[ObjectId, list[Change]]] = {}
        for update in self.files:
            objects = result.setdefault(update.path, {})
            for object_id, change in update.changes:
                objects.setdefault(object_id, []).append(change)
        return result

    def objects(self) -> dict[ObjectId, list[Change]]:
        """Changes by object across all files (Flux's `.Changed.Objects`)."""
        result: dict[ObjectId, list[Change]] = {}
        for update in self.files:
            for object_id, change in update.changes:
                result.setdefault(object_id, []).append(change)
        return result

    def changes(self) -> list[Change]:
        """Every distinct change once (Flux's `.Changed.Changes`)."""
        return list(dict.fromkeys(change for update in self.files for _, change in update.changes))


def setter_values(policies: Mapping[tuple[str, str], ImageRef]) -> dict[str, str]:
    """The four setters of each policy, by `(namespace, name)` of the policy and its latest image.

    A `:digest` setter exists only when the policy reflected a digest: writing an empty digest would
    erase the field's value, so such a marker is reported as unresolved instead.
    """
    values: dict[str, str] = {}
    for (namespace, name), ref in policies.items():
        setter = f"{namespace}:{name}"
        values[setter] = f"{ref.name}:{ref.tag}" + (f"@{ref.digest}" if ref.digest else "")
        values[f"{setter}:tag"] = ref.tag
        values[f"{setter}:name"] = ref.name
        if ref.digest:
            values[f"{setter}:digest"] = ref.digest
    return values


def apply_setters(files: Mapping[str, str], setters: Mapping[str, str]) -> SetterResult:
    """Rewrite the marked scalars of `files` (relative path -> text) with the `setters`' values."""
    updates: list[FileUpdate] = []
    unparsable: dict[str, str] = {}
    unresolved: list[Marker] = []
    for path in sorted(files):
        text = files[path]
        if TOKEN not in text:
            continue
        try:
            scalars = list(_marked_scalars(text))
        except yaml.YAMLError as err:
            unparsable[path] = " ".join(str(err).split())
            continue
        edits: list[tuple[int, int, str]] = []
        changes: list[tuple[ObjectId, Change]] = []
        for found in scalars:
            value = setters.get(found.setter)
            if value is None:
                unresolved.append(Marker(path, found.line, found.setter))
                continue
            if value == found.node.value:
                continue
            edits.append((found.node.start_mark.index, found.node.end_mark.index, _render(found.node, value)))
            changes.append((found.object_id, Change(found.node.value, value, found.setter)))
        if edits:
            updates.append(FileUpdate(path, _splice(text, edits), tuple(changes)))
    return SetterResult(files=tuple(updates), unparsable=unparsable, unresolved=tuple(unresolved))


@dataclass(frozen=True, slots=True)
class _Found:
    node: yaml.ScalarNode
    setter: str
    line: int
    object_id: ObjectId


def _marked_scalars(text: str) -> Iterator[_Found]:
    seen: set[int] = set()
    for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if document is None:
            continue
        object_id = _identify(document)
        for node in _value_scalars(document):
            start = node.start_mark.index
            if start in seen or node.style in ("|", ">"):
                continue
            seen.add(start)
            setter = _setter_of(_line_comment(text, node.end_mark.index))
            if setter is not None:
                yield _Found(node, setter, node.start_mark.line + 1, object_id)


def _value_scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """Scalars that are mapping values or sequence items (not keys), in document order."""
    if isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _scalar_or_children(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalar_or_children(item)


def _scalar_or_children(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    else:
        yield from _value_scalars(node)


def _line_comment(text: str, end: int) -> str | None:
    match = _LINE_COMMENT.match(text, end)
    return match.group(1) if match else None


def _setter_of(comment: str | None) -> str | None:
    """The setter a line comment names, or None when it is no marker (any other comment is fine)."""
    if comment is None or _SHORTHAND not in comment:
        return None
    try:
        parsed = json.loads(comment.lstrip("#"))
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not all(isinstance(value, str) for value in parsed.values()):
        return None
    setter = parsed.get(_SHORTHAND)
    return setter if isinstance(setter, str) and setter else None


def _identify(document: yaml.Node) -> ObjectId:
    top = _string_fields(document)
    metadata = next((v for k, v in _fields(document) if k == "metadata"), None)
    meta = _string_fields(metadata) if metadata is not None else {}
    return ObjectId(
        api_version=top.get("apiVersion", ""),
        kind=top.get("kind", ""),
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
    )


def _fields(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield key.value, value


def _string_fields(node: yaml.Node) -> dict[str, str]:
    return {key: value.value for key, value in _fields(node) if isinstance(value, yaml.ScalarNode)}


def _render(node: yaml.ScalarNode, value: str) -> str:
    """`value` written in the scalar's style; a plain scalar is double-quoted when it would not read back."""
    if node.style == "'":
        return "'" + value.replace("'", "''") + "'"
    if node.style == '"' or not _reads_back_as_string(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def _reads_back_as_string(value: str) -> bool:
    if not value or "\n" in value or value in _YAML11_BOOLS:
        return False
    try:
        loaded: object = yaml.safe_load(value)
    except yaml.YAMLError:
        return False
    return isinstance(loaded, str) and loaded == value


def _splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    parts: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)
