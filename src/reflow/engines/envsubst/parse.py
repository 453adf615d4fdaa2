"""Parse bash-style `${...}` expansions into a template, with fluxcd/pkg envsubst's grammar.

Only the braced form expands: `$var` stays as written and `$$` stands for one `$`. Inside an
expansion an operator follows the name (`${var:-x}`, `${var//a/b}`, `${#var}`, ...) and its arguments
may themselves hold expansions.
"""

from __future__ import annotations

from dataclasses import dataclass

from reflow.engines.envsubst.scan import Accept, AnyBut, Escapes, Mode, Scanner, Token, accept_any, accept_name

# Real templates nest expansions two or three deep; the bound keeps parsing and rendering, which recurse
# once per level, far from Python's recursion limit.
MAX_DEPTH = 100


class SubstitutionSyntaxError(ValueError):
    """The template does not parse; each subclass carries the upstream message."""

    message = "bad substitution"

    def __init__(self) -> None:
        super().__init__(self.message)


class BadSubstitution(SubstitutionSyntaxError):
    message = "bad substitution"


class MissingClosingBrace(SubstitutionSyntaxError):
    message = "missing closing brace"


class BadVariableName(SubstitutionSyntaxError):
    message = "unable to parse variable name"


class BadArgument(SubstitutionSyntaxError):
    message = "unable to parse substitution within function"


class BadDefault(SubstitutionSyntaxError):
    message = "unable to parse default function"


class NestedTooDeep(SubstitutionSyntaxError):
    message = f"expansions nested more than {MAX_DEPTH} deep"


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text, escapes already applied."""

    value: str


@dataclass(frozen=True, slots=True)
class Expansion:
    """`${param}` with an optional operator (`:-`, `//`, `^^`, `#`, ...) and its arguments."""

    param: str
    operator: str = ""
    args: tuple[Node, ...] = ()


Node = Text | Expansion
Template = tuple[Node, ...]


def _exactly(expected: str, position: int) -> Accept:
    return lambda char, index: char == expected and index == position


def _up_to(chars: tuple[str, ...], length: int) -> Accept:
    return lambda char, index: char in chars and index < length


def _default_operator(char: str, index: int) -> bool:
    return (index == 1 and char == ":") or (index == 2 and char in ("=", "-", "?", "+"))


def _replace_operator(char: str, index: int) -> bool:
    return (index == 1 and char == "/") or (index == 2 and char in ("/", "#", "%"))


_not_closing = AnyBut("}")
_not_colon_or_closing = AnyBut(":}")
_not_slash = AnyBut("/")


def _slash(char: str, index: int) -> bool:
    return char == "/"


def _colon(char: str, index: int) -> bool:
    return char == ":"


class _Parser:
    def __init__(self, text: str) -> None:
        self.scanner = Scanner(text)
        self.depth = 0  # expansions open inside other expansions' arguments

    def _scan(self, accept: Accept, mode: int) -> Token:
        self.scanner.accept = accept
        self.scanner.mode = mode
        return self.scanner.scan()

    def template(self) -> Template:
        nodes: list[Node] = []
        while True:
            self.scanner.escapes = Escapes.DOLLAR
            token = self._scan(accept_any, Mode.TEXT | Mode.OPEN | Mode.ESCAPES)
            if token is Token.END:
                return tuple(nodes)
            if token is Token.TEXT:
                nodes.append(Text(self.scanner.text()))
            elif token is Token.OPEN:
                nodes.append(self._expansion())
            else:
                raise BadSubstitution()

    def _expansion(self) -> Expansion:
        self.scanner.escapes = Escapes.ALL
        if self.scanner.peek() == "#":
            return self._length()
        if self._scan(accept_name, Mode.TEXT) is not Token.TEXT:
            raise BadVariableName()
        name = self.scanner.text()
        following = self.scanner.peek()
        if following == ":":
            return self._default_or_substring(name)
        if following == "=":
            return self._default(name)
        if following in (",", "^"):
            return self._operator_only(name, _up_to((",", "^"), 3))
        if following == "/":
            return self._replace(name)
        if following in ("#", "%"):
            return self._trim(name, _up_to((following,), 3))
        if self._scan(accept_name, Mode.CLOSE) is Token.CLOSE:
            return Expansion(name)
        raise MissingClosingBrace()

    def _argument(self, accept: Accept, mode: int) -> Node:
        token = self._scan(accept, mode | Mode.OPEN)
        if token is Token.OPEN:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise NestedTooDeep()
            nested = self._expansion()
            self.depth -= 1
            return nested
        if token in (Token.TEXT, Token.CLOSE):
            return Text(self.scanner.text())
        raise BadArgument()

    def _operator(self, accept: Accept, error: type[SubstitutionSyntaxError] = BadSubstitution) -> str:
        if self._scan(accept, Mode.TEXT) is not Token.TEXT:
            raise error()
        return self.scanner.text()

    def _closing_brace(self) -> None:
        self.scanner.mode = Mode.CLOSE
        if self.scanner.scan() is not Token.CLOSE:
            raise BadSubstitution()

    def _default_or_substring(self, name: str) -> Expansion:
        self.scanner.read()
        following = self.scanner.peek()
        self.scanner.unread()
        if following in ("=", "-", "?", "+"):
            return self._default(name)
        return self._substring(name)

    def _substring(self, name: str) -> Expansion:
        operator = self._operator(_exactly(":", 1))
        args = [self._argument(_not_colon_or_closing, Mode.TEXT)]
        token = self._scan(_colon, Mode.TEXT | Mode.CLOSE)
        if token is Token.CLOSE:
            return Expansion(name, operator, tuple(args))
        if token is not Token.TEXT:
            raise BadSubstitution()
        args.append(self._argument(_not_closing, Mode.TEXT))
        self._closing_brace()
        return Expansion(name, operator, tuple(args))

    def _trim(self, name: str, accept: Accept) -> Expansion:
        operator = self._operator(accept)
        args = (self._argument(_not_closing, Mode.TEXT),)
        self._closing_brace()
        return Expansion(name, operator, args)

    def _replace(self, name: str) -> Expansion:
        operator = self._operator(_replace_operator)
        if self.scanner.peek() == "/":
            args: list[Node] = [Text("")]
        else:
            args = [self._argument(_not_slash, Mode.TEXT | Mode.ESCAPES)]
        self._operator(_slash)
        if self.scanner.peek() != "}":
            args.append(self._argument(_not_closing, Mode.TEXT | Mode.ESCAPES))
        self._closing_brace()
        return Expansion(name, operator, tuple(args))

    def _default(self, name: str) -> Expansion:
        accept = _exactly("=", 1) if self.scanner.peek() == "=" else _default_operator
        operator = self._operator(accept, BadDefault)
        args: list[Node] = []
        while self.scanner.peek() != "}":
            args.append(self._argument(_not_closing, Mode.TEXT))
        self._closing_brace()
        return Expansion(name, operator, tuple(args))

    def _operator_only(self, name: str, accept: Accept) -> Expansion:
        operator = self._operator(accept)
        self._closing_brace()
        return Expansion(name, operator)

    def _length(self) -> Expansion:
        operator = self._operator(_exactly("#", 1))
        name = self._operator(accept_name)
        self._closing_brace()
        return Expansion(name, operator)


def parse(text: str) -> Template:
    """Parse a template; raises a `SubstitutionSyntaxError` subclass naming what is wrong."""
    return _Parser(text).template()


__all__ = [
    "MAX_DEPTH",
    "BadArgument",
    "BadDefault",
    "BadSubstitution",
    "BadVariableName",
    "Expansion",
    "MissingClosingBrace",
    "NestedTooDeep",
    "Node",
    "SubstitutionSyntaxError",
    "Template",
    "Text",
    "parse",
]
