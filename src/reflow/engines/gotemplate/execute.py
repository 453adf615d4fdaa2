"""Run a parsed template over data: fields, variables, pipelines, if/with/range, as Go's text/template does."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from reflow.engines.gotemplate.functions import FunctionError, truth
from reflow.engines.gotemplate.gofmt import MISSING, go_string, sort_keys
from reflow.engines.gotemplate.parse import (
    Action,
    Branch,
    Command,
    FieldRef,
    Function,
    Jump,
    Literal,
    Node,
    Operand,
    Pipeline,
    Text,
    Variable,
)

_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class TemplateExecError(ValueError):
    """The template failed while running; `field` and `type_name` name a field that does not exist."""

    def __init__(self, message: str, *, field: str = "", type_name: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.type_name = type_name


class _Jump(Exception):
    def __init__(self, keyword: str) -> None:
        self.keyword = keyword


class Executor:
    """One run of a template: the output so far and the variables in scope."""

    def __init__(self, name: str, functions: Mapping[str, Callable[..., object]], data: object) -> None:
        self.name = name
        self.functions = functions
        self.variables: list[tuple[str, object]] = [("$", data)]
        self.out: list[str] = []
        self.line = 0

    def fail(self, message: str, **details: str) -> TemplateExecError:
        return TemplateExecError(f'template: {self.name}:{self.line}: executing "{self.name}": {message}', **details)

    def run(self, nodes: Sequence[Node], dot: object) -> str:
        self.walk(nodes, dot)
        return "".join(self.out)

    def walk(self, nodes: Sequence[Node], dot: object) -> None:
        for node in nodes:
            if isinstance(node, Text):
                self.out.append(node.text)
            elif isinstance(node, Action):
                value = self.pipeline(node.pipeline, dot)
                if not node.pipeline.variables:
                    self.out.append(go_string(value))
            elif isinstance(node, Branch):
                self.branch(node, dot)
            elif isinstance(node, Jump):
                raise _Jump(node.keyword)

    def scoped(self, nodes: Sequence[Node], dot: object) -> None:
        mark = len(self.variables)
        try:
            self.walk(nodes, dot)
        finally:
            del self.variables[mark:]

    def branch(self, node: Branch, dot: object) -> None:
        mark = len(self.variables)
        try:
            if node.keyword == "range":
                self.range(node, dot)
                return
            value = self.pipeline(node.pipeline, dot)
            if truth(value):
                self.scoped(node.body, value if node.keyword == "with" else dot)
            else:
                self.scoped(node.orelse, dot)
        finally:
            del self.variables[mark:]

    def range(self, node: Branch, dot: object) -> None:
        pipeline = node.pipeline
        value = self.pipeline(Pipeline(pipeline.commands, line=pipeline.line), dot)
        ran = False
        for key, element in self.items(value):
            ran = True
            mark = len(self.variables)
            if len(pipeline.variables) == 1:
                self.variables.append((pipeline.variables[0], element))
            elif len(pipeline.variables) == 2:
                self.variables += [(pipeline.variables[0], key), (pipeline.variables[1], element)]
            try:
                self.scoped(node.body, element)
            except _Jump as jump:
                if jump.keyword == "break":
                    break
            finally:
                del self.variables[mark:]
        if not ran:
            self.scoped(node.orelse, dot)

    def items(self, value: object) -> Iterator[tuple[object, object]]:
        if value is None or value is MISSING:
            return
        if isinstance(value, Mapping):
            for key in sort_keys(value):
                yield key, value[key]
        elif isinstance(value, int) and not isinstance(value, bool):
            yield from ((index, index) for index in range(value))
        elif isinstance(value, Sequence) and not isinstance(value, str):
            yield from enumerate(value)
        else:
            raise self.fail(f"range can't iterate over {go_string(value)}")

    def pipeline(self, pipeline: Pipeline, dot: object) -> object:
        if pipeline.line:
            self.line = pipeline.line
        value: object = MISSING
        for index, command in enumerate(pipeline.commands):
            value = self.command(command, dot, value if index else None, piped=index > 0)
        for name in pipeline.variables:
            if pipeline.declare:
                self.variables.append((name, value))
            else:
                self.assign(name, value)
        return value

    def assign(self, name: str, value: object) -> None:
        for position in range(len(self.variables) - 1, -1, -1):
            if self.variables[position][0] == name:
                self.variables[position] = (name, value)
                return
        raise self.fail(f"undefined variable: {name}")

    def command(self, command: Command, dot: object, final: object, *, piped: bool) -> object:
        head, args = command.operands[0], command.operands[1:]
        if isinstance(head, Function):
            return self.call(head.name, args, dot, final, piped=piped)
        if isinstance(head, FieldRef) and head.names and (args or piped):
            receiver = self.base(head, dot)
            for name in head.names[:-1]:
                receiver = self.field(receiver, name, ())
            values = [self.operand(arg, dot) for arg in args] + ([final] if piped else [])
            return self.field(receiver, head.names[-1], values)
        if args or piped:
            raise self.fail(f"can't give argument to non-function {_describe(head)}")
        return self.operand(head, dot)

    def call(self, name: str, args: Sequence[Operand], dot: object, final: object, *, piped: bool) -> object:
        if name in ("and", "or"):
            return self.short_circuit(name, args, dot, final, piped=piped)
        values: list[object] = [_arg(self.operand(arg, dot)) for arg in args] + ([_arg(final)] if piped else [])
        try:
            return self.functions[name](*values)
        except TypeError as err:
            raise self.fail(f"wrong number of args for {name}: got {len(values)}") from err
        except (FunctionError, ValueError, IndexError, ZeroDivisionError) as err:
            raise self.fail(f"error calling {name}: {err}") from err

    def short_circuit(self, name: str, args: Sequence[Operand], dot: object, final: object, *, piped: bool) -> object:
        """`and`/`or`: evaluate arguments left to right and stop at the first false (`and`) or true (`or`)."""
        count = len(args) + piped
        if not count:
            raise self.fail(f"wrong number of args for {name}: want at least 1 got 0")
        result: object = None
        for index in range(count):
            result = self.operand(args[index], dot) if index < len(args) else final
            if truth(result) == (name == "or"):
                return result
        return result

    def operand(self, operand: Operand, dot: object) -> object:
        if isinstance(operand, Literal):
            return operand.value
        if isinstance(operand, Variable):
            return self.variable(operand.name)
        if isinstance(operand, Pipeline):
            return self.pipeline(operand, dot)
        if isinstance(operand, FieldRef):
            receiver = self.base(operand, dot)
            for name in operand.names:
                receiver = self.field(receiver, name, ())
            return receiver
        raise self.fail(f"can't evaluate {_describe(operand)} without arguments")

    def base(self, ref: FieldRef, dot: object) -> object:
        if isinstance(ref.base, Variable):
            return self.variable(ref.base.name)
        if isinstance(ref.base, Pipeline):
            return self.pipeline(ref.base, dot)
        return dot

    def variable(self, name: str) -> object:
        for known, value in reversed(self.variables):
            if known == name:
                return value
        raise self.fail(f"undefined variable: {name}")

    def field(self, receiver: object, name: str, args: Sequence[object]) -> object:
        if receiver is None or receiver is MISSING:
            raise self.fail(f"nil data; no entry for key {name!r}")
        if isinstance(receiver, Mapping):
            if args:
                raise self.fail(f"{name} is not a method but has arguments")
            return receiver.get(name, MISSING)
        attribute = _attribute_name(receiver, name)
        if attribute is None:
            type_name = type(receiver).__name__
            raise self.fail(f"can't evaluate field {name} in type {type_name}", field=name, type_name=type_name)
        value = getattr(receiver, attribute)
        if callable(value):
            return value(*args)
        if args:
            raise self.fail(f"{name} is not a method but has arguments")
        return value


def _attribute_name(receiver: object, name: str) -> str | None:
    """The attribute a Go field or method name maps to: exported names only, `OldValue` -> `old_value`."""
    if not name[:1].isupper() or isinstance(receiver, (str, int, float, bool, Sequence)):
        return None
    for candidate in (name, _WORD_BREAK.sub("_", name).lower()):
        if not candidate.startswith("_") and hasattr(receiver, candidate):
            return candidate
    return None


def _arg(value: object) -> object:
    """A missing map entry reaches a function as Go's nil."""
    return None if value is MISSING else value


def _describe(operand: Operand) -> str:
    if isinstance(operand, FieldRef):
        return "." + ".".join(operand.names)
    if isinstance(operand, Variable):
        return operand.name
    if isinstance(operand, Literal):
        return go_string(operand.value)
    return type(operand).__name__
