"""The schema DSL of reflow's API models: field facts beside each field, and the OpenAPI v3 built from them.

A model is a frozen dataclass whose fields are `Annotated[T, Prop("description", ...)]`. The Python type
gives the OpenAPI type (str, bool, int, a `Literal` enum, a nested model, `tuple[X, ...]` for arrays,
`Mapping[str, X]` for maps, `Manifest`/`object` for free-form JSON); `Prop` adds what the type cannot say
(description, wire name, schema default, pattern, limits, CEL rules). Parsing (`wire.py`) and CRD
generation (`crds.py`) both read these declarations, so the models and the CRDs cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, cast, get_args, get_origin, get_type_hints

from reflow.api.duration import DURATION_PATTERN, TIMEOUT_PATTERN
from reflow.api.manifest import Manifest

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

ShapeKind = Literal["str", "bool", "int", "duration", "enum", "list", "map", "model", "json"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A CEL validation rule (`x-kubernetes-validations`) and the message the API server returns when it fails."""

    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Prop:
    """Schema facts of one model field; the Python type of the field says the rest."""

    doc: str
    _: KW_ONLY
    wire: str | None = None  # the JSON name, when it is not the camelCase of the field name
    default: object = None  # the schema default as it appears in YAML (the model default must equal it parsed)
    required: bool | None = None  # None: required exactly when the model field has no default
    duration: Literal["h", "m"] | None = None  # Go duration; the largest unit its pattern allows
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    max_items: int | None = None
    min_items: int | None = None
    minimum: int | None = None
    format: str | None = None
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class Shape:
    """The wire shape of a field's Python type."""

    kind: ShapeKind
    values: tuple[str, ...] = ()  # enum members
    item: Shape | None = None  # array item or map value
    model: type | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """One declared field of a model, resolved: Python name, wire name, shape, facts and requiredness."""

    name: str
    wire: str
    shape: Shape
    prop: Prop
    required: bool
    has_default: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """An `additionalPrinterColumns` entry shown by `kubectl get`."""

    name: str
    json_path: str
    type: str = "string"


AGE = Column(name="Age", json_path=".metadata.creationTimestamp", type="date")
READY = Column(name="Ready", json_path='.status.conditions[?(@.type=="Ready")].status')
STATUS = Column(name="Status", json_path='.status.conditions[?(@.type=="Ready")].message')


@dataclass(frozen=True, slots=True, kw_only=True)
class KindInfo:
    """Identity of a kind and its CRD-level facts: names, categories, printer columns, object-level rules."""

    group: str
    version: str
    kind: str
    plural: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...]
    columns: tuple[Column, ...]
    controller: str  # the controller that reconciles (or, for ExternalArtifact, reads) the kind
    rules: tuple[Rule, ...] = ()  # CEL rules on the whole object (`self` is the object)
    served_also: tuple[type, ...] = ()  # older versions' models, still served beside this (the storage) version
    deprecation: str | None = None  # the API server's warning when this version is used

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def singular(self) -> str:
        return self.kind.lower()


def camel(name: str) -> str:
    """The camelCase wire name of a snake_case field name: `last_update_time` → `lastUpdateTime`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_FIELDS: dict[type, tuple[Field, ...]] = {}


def fields_of(model: type) -> tuple[Field, ...]:
    """The declared fields of a model class, resolved once; raises TypeError for a field without a `Prop`."""
    if model not in _FIELDS:
        _FIELDS[model] = _resolve(model)
    return _FIELDS[model]


def _resolve(model: type) -> tuple[Field, ...]:
    hints = get_type_hints(model, include_extras=True)
    fields = []
    for field in dataclasses.fields(cast("type[DataclassInstance]", model)):
        hint = hints[field.name]
        if get_origin(hint) is not Annotated:
            raise TypeError(f"{model.__name__}.{field.name}: declare it as Annotated[<type>, Prop(...)]")
        base, *extras = get_args(hint)
        props = [extra for extra in extras if isinstance(extra, Prop)]
        if len(props) != 1:
            raise TypeError(f"{model.__name__}.{field.name}: expected exactly one Prop, found {len(props)}")
        prop = props[0]
        has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        fields.append(
            Field(
                name=field.name,
                wire=prop.wire or camel(field.name),
                shape=shape_of(base, prop, where=f"{model.__name__}.{field.name}"),
                prop=prop,
                required=prop.required if prop.required is not None else not has_default,
                has_default=has_default,
            )
        )
    return tuple(fields)


def shape_of(hint: Any, prop: Prop | None, *, where: str) -> Shape:
    """The wire shape of a Python type annotation (already resolved, `Annotated` stripped)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) != 1:
            raise TypeError(f"{where}: only `X | None` unions are supported")
        return shape_of(present[0], prop, where=where)
    if origin is Literal:
        return Shape("enum", values=tuple(str(arg) for arg in args))
    if hint is float and prop is not None and prop.duration:
        return Shape("duration")
    simple: dict[object, ShapeKind] = {str: "str", bool: "bool", int: "int", object: "json"}
    if hint in simple:
        return Shape(simple[hint])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return Shape("list", item=shape_of(args[0], None, where=f"{where}[]"))
    if origin is dict and args == (str, Any):
        return Shape("json")
    if origin in (dict, Mapping) and args[0] is str:
        return Shape("map", item=shape_of(args[1], None, where=f"{where}{{}}"))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return Shape("model", model=hint)
    raise TypeError(f"{where}: no wire shape for {hint!r}")


def object_schema(model: type) -> Manifest:
    """The structural OpenAPI v3 schema of a model: properties sorted by wire name, `required` listed."""
    fields = sorted(fields_of(model), key=lambda field: field.wire)
    schema: Manifest = {"type": "object", "properties": {field.wire: property_schema(field) for field in fields}}
    required = sorted(field.wire for field in fields if field.required)
    if required:
        schema["required"] = required
    return schema


def property_schema(field: Field) -> Manifest:
    """The schema of one field: its description, its shape, and the constraints its `Prop` declares."""
    prop = field.prop
    schema: Manifest = {"description": prop.doc, **shape_schema(field.shape)}
    if field.shape.kind == "duration":
        schema["pattern"] = DURATION_PATTERN if prop.duration == "h" else TIMEOUT_PATTERN
    facts: dict[str, object] = {
        "default": prop.default,
        "pattern": prop.pattern,
        "minLength": prop.min_length,
        "maxLength": prop.max_length,
        "maxItems": prop.max_items,
        "minItems": prop.min_items,
        "minimum": prop.minimum,
        "format": prop.format,
    }
    schema.update({key: value for key, value in facts.items() if value is not None})
    if prop.rules:
        schema["x-kubernetes-validations"] = rules_schema(prop.rules)
    return dict(sorted(schema.items()))


def shape_schema(shape: Shape) -> Manifest:
    """The type part of a schema for a shape."""
    if shape.kind == "json":
        return {"x-kubernetes-preserve-unknown-fields": True}
    if shape.kind == "model" and shape.model is not None:
        return object_schema(shape.model)
    if shape.kind in ("list", "map") and shape.item is not None:
        inner = shape_schema(shape.item)
        if shape.kind == "list":
            return {"type": "array", "items": inner}
        return {"type": "object", "additionalProperties": inner}
    if shape.kind == "enum":
        return {"type": "string", "enum": list(shape.values)}
    types_by_kind = {"str": "string", "duration": "string", "bool": "boolean", "int": "integer"}
    return {"type": types_by_kind[shape.kind]}


def rules_schema(rules: tuple[Rule, ...]) -> list[Manifest]:
    """`x-kubernetes-validations` entries for CEL rules."""
    return [{"message": rule.message, "rule": rule.rule} for rule in rules]
