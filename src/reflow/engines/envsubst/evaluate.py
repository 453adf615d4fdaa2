"""Render a parsed template against variables, in Flux's lenient or strict mode."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reflow.engines.envsubst.functions import operation
from reflow.engines.envsubst.parse import Expansion, Node, Template, Text, parse

Lookup = Callable[[str], str | None]
"""A variable's value, or None when it is not set."""

# Operators that define what an unset variable yields, so strict mode lets them through.
DEFAULT_OPERATORS = frozenset({"-", "+", "=", "?", ":-", ":+", ":=", ":?"})


class VariableNotSet(LookupError):
    """Strict mode met a variable that is not set and has no default."""

    def __init__(self, name: str) -> None:
        super().__init__(f'variable not set (strict mode): "{name}"')
        self.name = name


def _render(node: Node, lookup: Lookup) -> str:
    if isinstance(node, Text):
        return node.value
    return _expand(node, lookup)


def _expand(node: Expansion, lookup: Lookup) -> str:
    args = [_render(arg, lookup) for arg in node.args]
    value = lookup(node.param)
    if value is None:
        if node.operator not in DEFAULT_OPERATORS:
            raise VariableNotSet(node.param)
        value = ""
    return operation(node.operator, len(args))(value, args)


def render(template: Template, lookup: Lookup) -> str:
    """The template's text with every expansion replaced; `lookup` returning None means unset."""
    return "".join(_render(node, lookup) for node in template)


def evaluate(text: str, lookup: Lookup) -> str:
    """Parse and render in one step, as Flux's `envsubst.Eval`."""
    return render(parse(text), lookup)


def substitute(text: str, variables: Mapping[str, str], *, strict: bool) -> str:
    """Expand `${...}` from `variables`; unset ones are empty, or raise `VariableNotSet` when `strict`."""
    if strict:
        return evaluate(text, variables.get)
    return evaluate(text, lambda name: variables.get(name, ""))
