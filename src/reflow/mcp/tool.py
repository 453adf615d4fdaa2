"""What a tool is: a name, a one-line description, typed parameters (its JSON schema) and the coroutine it runs
with the server's context (what every call shares, the caller's connection for reflow's tools)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from reflow.api.meta import Manifest

JSON_TYPES: Mapping[str, type | tuple[type, ...]] = {"string": str, "boolean": bool, "integer": int}


class BadArguments(ValueError):
    """The arguments of a call do not fit the tool's schema."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """One argument: its JSON type, what it means, and the values it may take."""

    name: str
    type: str
    description: str
    required: bool = False
    default: Any = None
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def schema(self) -> Manifest:
        """The JSON schema of this argument."""
        limits = {"enum": list(self.enum) or None, "default": self.default, "minimum": self.minimum,
                  "maximum": self.maximum}  # fmt: skip
        return {"type": self.type, "description": self.description} | {
            key: value for key, value in limits.items() if value is not None
        }

    def check(self, value: Any) -> Any:
        """The value, or BadArguments saying what is wrong with it."""
        wrong_type = not isinstance(value, JSON_TYPES[self.type]) or (
            self.type == "integer" and isinstance(value, bool)
        )
        if wrong_type:
            raise BadArguments(f"{self.name} must be a {self.type}")
        if self.enum and value not in self.enum:
            raise BadArguments(f"{self.name} must be one of {', '.join(self.enum)}")
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise BadArguments(f"{self.name} must be between {self.minimum} and {self.maximum}")
        return value


C = TypeVar("C")
"""The context a server hands every call of its tools."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tool(Generic[C]):
    """An MCP tool: `run` gets the checked arguments (defaults filled in) and returns the text to answer."""

    name: str
    description: str
    params: Sequence[Param]
    run: Callable[[C, Mapping[str, Any]], Awaitable[str]]
    writes: bool = False

    def schema(self) -> Manifest:
        """The tool's input schema: an object of its parameters, no others allowed."""
        return {
            "type": "object",
            "properties": {param.name: param.schema() for param in self.params},
            "required": [param.name for param in self.params if param.required],
            "additionalProperties": False,
        }

    def arguments(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The given arguments checked against the parameters, with defaults for those left out."""
        given = given or {}
        known = {param.name: param for param in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise BadArguments(f"unknown argument {', '.join(unknown)}; {self.name} takes {', '.join(known)}")
        checked: dict[str, Any] = {}
        for name, param in known.items():
            if given.get(name) is not None:
                checked[name] = param.check(given[name])
            elif param.required:
                raise BadArguments(f"{name} is required")
            else:
                checked[name] = param.default
        return checked


NAMESPACE = Param(
    name="namespace", type="string", description="Namespace of the object (default: the server's --namespace)."
)
OFFSET = Param(
    name="offset",
    type="integer",
    description="Start the text at this character (a truncated answer names the offset to go on from).",
    default=0,
    minimum=0,
)
