"""Go text/template for user-written templates (commit messages, alert summaries): parse once, render data.

Covers the language Flux's documented templates use: actions with `{{-`/`-}}` trimming and comments,
fields and methods (`.Changed.Objects`), variables (`$x :=`, `$x =`, `$`), pipelines, parenthesised
calls, `if`/`else if`/`with`/`range` (over lists, maps in key order and integers) with `else`, `break`
and `continue`, Go's builtin functions and the deterministic Sprig functions. `define`, `template` and
`block` are refused with a clear error. Data is plain Python: dicts are Go maps, lists are slices, and a
record's exported Go names map to its snake_case attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reflow.engines.gotemplate.execute import Executor, TemplateExecError
from reflow.engines.gotemplate.functions import FUNCTIONS
from reflow.engines.gotemplate.gofmt import GoStruct, go_string, sprintf
from reflow.engines.gotemplate.lex import TemplateSyntaxError
from reflow.engines.gotemplate.parse import Node, parse

__all__ = [
    "GoStruct",
    "Template",
    "TemplateExecError",
    "TemplateSyntaxError",
    "go_string",
    "sprintf",
]


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template; `render` may be called many times."""

    name: str
    nodes: tuple[Node, ...]
    functions: Mapping[str, Callable[..., object]]

    @classmethod
    def parse(cls, source: str, name: str = "template") -> Template:
        """Parse `source`; raises `TemplateSyntaxError` naming the line, e.g. an unknown function."""
        return cls(name, parse(source, name, frozenset(FUNCTIONS)), FUNCTIONS)

    def render(self, data: object) -> str:
        """The text for `data`; raises `TemplateExecError` for a missing field or a failing function."""
        return Executor(self.name, self.functions, data).run(self.nodes, data)
