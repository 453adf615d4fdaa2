"""Parse Go text/template tokens into a tree: text, actions, if/with/range with else, and pipelines."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from reflow.engines.gotemplate.lex import Kind, TemplateSyntaxError, Token, tokenize


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class FieldRef:
    """`.A.B` on dot (`names` empty means dot itself), or on a variable or parenthesised pipeline."""

    names: tuple[str, ...]
    base: Variable | Pipeline | None = None


@dataclass(frozen=True, slots=True)
class Variable:
    name: str


@dataclass(frozen=True, slots=True)
class Function:
    name: str


@dataclass(frozen=True, slots=True)
class Literal:
    value: object


@dataclass(frozen=True, slots=True)
class Command:
    operands: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[Command, ...]
    variables: tuple[str, ...] = ()
    declare: bool = True  # `:=` declares, `=` assigns
    line: int = 0


@dataclass(frozen=True, slots=True)
class Action:
    pipeline: Pipeline


@dataclass(frozen=True, slots=True)
class Branch:
    """`if`, `with` or `range`: the pipeline, the body, and the else part."""

    keyword: str
    pipeline: Pipeline
    body: tuple[Node, ...]
    orelse: tuple[Node, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Jump:
    keyword: str  # break | continue


Operand = FieldRef | Variable | Function | Literal | Pipeline
Node = Text | Action | Branch | Jump

_FUNCTION_CHECK_SKIPPED = frozenset({"and", "or"})


def parse(source: str, name: str, functions: frozenset[str]) -> tuple[Node, ...]:
    """The tree of `source`; a function not in `functions` is a parse error, as in Go."""
    parser = _Parser(tokenize(source, name), name, functions)
    nodes, end = parser.nodes(range_depth=0)
    if end is not None:
        raise parser.fail(f"unexpected {{{{{end}}}}}")
    return nodes


class _Parser:
    def __init__(self, tokens: list[Token], name: str, functions: frozenset[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.name = name
        self.functions = functions | _FUNCTION_CHECK_SKIPPED

    def fail(self, message: str) -> TemplateSyntaxError:
        line = self.tokens[min(self.pos, len(self.tokens) - 1)].line if self.tokens else 1
        return TemplateSyntaxError(f"template: {self.name}:{line}: {message}")

    def _ahead(self, skip_space: bool) -> int:
        pos = self.pos
        while skip_space and pos < len(self.tokens) and self.tokens[pos].kind == Kind.SPACE:
            pos += 1
        return pos

    def peek(self, skip_space: bool = True) -> Token | None:
        pos = self._ahead(skip_space)
        return self.tokens[pos] if pos < len(self.tokens) else None

    def next(self, skip_space: bool = True) -> Token:
        pos = self._ahead(skip_space)
        if pos >= len(self.tokens):
            raise self.fail("unexpected end of template")
        self.pos = pos + 1
        return self.tokens[pos]

    def nodes(self, range_depth: int) -> tuple[tuple[Node, ...], str | None]:
        """Nodes up to an `{{end}}` or `{{else}}` (returned as the second item) or the end of the tokens."""
        found: list[Node] = []
        while self.pos < len(self.tokens):
            token = self.next(skip_space=False)
            if token.kind == Kind.TEXT:
                found.append(Text(token.text))
                continue
            head = self.peek()
            if head is not None and head.kind == Kind.KEYWORD:
                if head.text in ("end", "else"):
                    self.next()
                    if head.text == "end":
                        self.close()
                    return tuple(found), head.text
                if head.text in ("if", "with", "range"):
                    self.next()
                    found.append(self.branch(head.text, range_depth))
                    continue
                if head.text in ("break", "continue"):
                    self.next()
                    if range_depth == 0:
                        raise self.fail(f"{{{{{head.text}}}}} outside {{{{range}}}}")
                    self.close()
                    found.append(Jump(head.text))
                    continue
                if head.text in ("define", "template", "block"):
                    raise self.fail(f"{{{{{head.text}}}}} is not supported in this template")
            found.append(Action(self.pipeline(head.line if head else 0, allow_declare=True)))
        return tuple(found), None

    def close(self) -> None:
        token = self.next()
        if token.kind != Kind.CLOSE:
            raise self.fail(f"unexpected {token.text!r} in end")

    def branch(self, keyword: str, range_depth: int) -> Branch:
        pipeline = self.pipeline(self.tokens[self.pos - 1].line, allow_declare=True, allow_two=keyword == "range")
        depth = range_depth + 1 if keyword == "range" else range_depth
        body, end = self.nodes(depth)
        if end is None:
            raise self.fail(f"unexpected EOF: {{{{{keyword}}}}} has no {{{{end}}}}")
        orelse: tuple[Node, ...] = ()
        if end == "else":
            follow = self.peek()
            if (
                follow is not None
                and follow.kind == Kind.KEYWORD
                and follow.text in ("if", "with")
                and keyword != "range"
            ):
                self.next()
                orelse = (self.branch(follow.text, range_depth),)
            else:
                self.close()
                orelse, end = self.nodes(range_depth)
                if end != "end":
                    raise self.fail(f"expected {{{{end}}}} after {{{{else}}}} of {{{{{keyword}}}}}")
        return Branch(keyword, pipeline, body, orelse)

    def pipeline(self, line: int, *, allow_declare: bool, allow_two: bool = False) -> Pipeline:
        variables, declare = self.declarations(allow_declare, allow_two)
        commands: list[Command] = []
        while True:
            commands.append(self.command())
            token = self.next()
            if token.kind == Kind.PIPE:
                continue
            if token.kind in (Kind.CLOSE, Kind.RPAREN):
                break
            raise self.fail(f"unexpected {token.text!r} in operand")
        if token.kind == Kind.RPAREN and allow_declare:
            raise self.fail("unexpected right paren")
        return Pipeline(tuple(commands), variables, declare, line)

    def declarations(self, allow: bool, allow_two: bool) -> tuple[tuple[str, ...], bool]:
        start = self.pos
        names: list[str] = []
        while allow:
            token = self.peek()
            if token is None or token.kind != Kind.VARIABLE:
                break
            self.next()
            names.append(token.text)
            after = self.next()
            if after.kind == Kind.COMMA and allow_two and len(names) == 1:
                continue
            if after.kind in (Kind.DECLARE, Kind.ASSIGN):
                return tuple(names), after.kind == Kind.DECLARE
            break
        self.pos = start
        return (), True

    def command(self) -> Command:
        operands: list[Operand] = []
        while True:
            token = self.peek()
            if token is None or token.kind in (Kind.PIPE, Kind.CLOSE, Kind.RPAREN):
                break
            operands.append(self.operand())
            following = self.peek(skip_space=False)
            if following is not None and following.kind not in (Kind.SPACE, Kind.PIPE, Kind.CLOSE, Kind.RPAREN):
                raise self.fail(f"unexpected {following.text!r} in operand")
        if not operands:
            raise self.fail("missing value for command")
        return Command(tuple(operands))

    def operand(self) -> Operand:
        token = self.next()
        kind, text = token.kind, token.text
        if kind == Kind.FIELD:
            return FieldRef(tuple(text[1:].split(".")) + self.chain())
        if kind == Kind.DOT:
            return FieldRef(())
        if kind == Kind.VARIABLE:
            names = self.chain()
            return FieldRef(names, Variable(text)) if names else Variable(text)
        if kind == Kind.LPAREN:
            inner = self.pipeline(token.line, allow_declare=False)
            names = self.chain()
            return FieldRef(names, inner) if names else inner
        if kind == Kind.IDENT:
            if text not in self.functions:
                raise self.fail(f'function "{text}" not defined')
            return Function(text)
        if kind == Kind.KEYWORD and text in ("true", "false", "nil"):
            return Literal({"true": True, "false": False, "nil": None}[text])
        if kind in (Kind.STRING, Kind.RAW):
            return Literal(text[1:-1] if kind == Kind.RAW else _unquote(text, self))
        if kind == Kind.CHAR:
            return Literal(ord(_unquote(text, self)))
        if kind == Kind.NUMBER:
            return Literal(_number(text, self))
        raise self.fail(f"unexpected {text!r} in operand")

    def chain(self) -> tuple[str, ...]:
        names: list[str] = []
        while (token := self.peek(skip_space=False)) is not None and token.kind == Kind.FIELD:
            self.next(skip_space=False)
            names.extend(token.text[1:].split("."))
        return tuple(names)


def _unquote(text: str, parser: _Parser) -> str:
    try:
        value = ast.literal_eval(text if text[0] == '"' else '"' + text[1:-1].replace('"', '\\"') + '"')
    except (SyntaxError, ValueError) as err:
        raise parser.fail(f"invalid syntax in quoted string {text}") from err
    if not isinstance(value, str):
        raise parser.fail(f"invalid syntax in quoted string {text}")
    return value


def _number(text: str, parser: _Parser) -> int | float:
    clean = text.replace("_", "")
    try:
        if clean.lstrip("+-").lower().startswith(("0x", "0b", "0o")):
            return int(clean, 0)
        if any(mark in clean for mark in ".eE"):
            return float(clean)
        return int(clean, 8) if len(clean.lstrip("+-")) > 1 and clean.lstrip("+-").startswith("0") else int(clean)
    except ValueError as err:
        raise parser.fail(f"bad number syntax: {text!r}") from err
