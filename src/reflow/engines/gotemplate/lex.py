"""Split a Go text/template into text and action tokens, with `{{-`/`-}}` trimming and `{{/* */}}` comments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_SPACE = " \t\r\n"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)"
)
_FIELD = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE = re.compile(r"\$[A-Za-z0-9_]*")
KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil", "true", "false"}
)


class TemplateSyntaxError(ValueError):
    """The template does not parse; the message names the line as Go's parser does."""


class Kind(StrEnum):
    TEXT = "text"
    OPEN = "{{"
    CLOSE = "}}"
    SPACE = "space"
    PIPE = "|"
    LPAREN = "("
    RPAREN = ")"
    DECLARE = ":="
    ASSIGN = "="
    COMMA = ","
    STRING = "string"
    RAW = "raw"
    CHAR = "char"
    NUMBER = "number"
    FIELD = "field"
    VARIABLE = "variable"
    IDENT = "identifier"
    KEYWORD = "keyword"
    DOT = "."


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    line: int


def tokenize(source: str, name: str) -> list[Token]:
    """All tokens of `source`; text already trimmed where an action asked for it."""
    return _Lexer(source, name).run()


class _Lexer:
    def __init__(self, source: str, name: str) -> None:
        self.source = source
        self.name = name
        self.pos = 0
        self.tokens: list[Token] = []
        self.trim_next = False

    def line(self, pos: int | None = None) -> int:
        return self.source.count("\n", 0, self.pos if pos is None else pos) + 1

    def fail(self, message: str) -> TemplateSyntaxError:
        return TemplateSyntaxError(f"template: {self.name}:{self.line()}: {message}")

    def run(self) -> list[Token]:
        while self.pos < len(self.source):
            start = self.source.find("{{", self.pos)
            end = len(self.source) if start < 0 else start
            text = self.source[self.pos : end]
            if self.trim_next:
                text = text.lstrip(_SPACE)
                self.trim_next = False
            if start >= 0 and self.left_trim(start):
                text = text.rstrip(_SPACE)
            if text:
                self.tokens.append(Token(Kind.TEXT, text, self.line()))
            if start < 0:
                break
            self.pos = start
            self.action()
        return self.tokens

    def left_trim(self, start: int) -> bool:
        """Whether the action at `start` opens with the trim marker `{{- ` (a space must follow the dash)."""
        return self.source.startswith("{{-", start) and self.source[start + 3 : start + 4] in tuple(_SPACE)

    def action(self) -> None:
        if self.left_trim(self.pos):
            self.pos += 2
        self.pos += 2
        if self.source.startswith("/*", self.pos):
            self.comment()
            return
        self.tokens.append(Token(Kind.OPEN, "{{", self.line()))
        while True:
            if self.pos >= len(self.source):
                raise self.fail("unclosed action")
            if self.at_close():
                return
            self.token()

    def at_close(self) -> bool:
        source, pos = self.source, self.pos
        trimmed = source[pos] in _SPACE and source.startswith("-}}", pos + 1)
        if source.startswith("}}", pos) or trimmed:
            self.tokens.append(Token(Kind.CLOSE, "}}", self.line()))
            self.pos = pos + (4 if trimmed else 2)
            self.trim_next = trimmed
            return True
        return False

    def comment(self) -> None:
        end = self.source.find("*/", self.pos + 2)
        if end < 0:
            raise self.fail("unclosed comment")
        self.pos = end + 2
        if not self.at_close():
            raise self.fail("comment ends before closing delimiter")
        self.tokens.pop()

    def token(self) -> None:
        source, pos = self.source, self.pos
        char = source[pos]
        line = self.line()
        simple = {"|": Kind.PIPE, "(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA}
        if char in _SPACE:
            while self.pos < len(source) and source[self.pos] in _SPACE and not source.startswith("-}}", self.pos + 1):
                self.pos += 1
            if self.pos == pos:
                self.pos += 1
            self.tokens.append(Token(Kind.SPACE, " ", line))
        elif char in simple:
            self.tokens.append(Token(simple[char], char, line))
            self.pos += 1
        elif source.startswith(":=", pos):
            self.tokens.append(Token(Kind.DECLARE, ":=", line))
            self.pos += 2
        elif char == "=":
            self.tokens.append(Token(Kind.ASSIGN, "=", line))
            self.pos += 1
        elif char in "\"'`":
            self.quoted(char, line)
        elif char == "$":
            match = _VARIABLE.match(source, pos)
            assert match is not None
            self.emit(Kind.VARIABLE, match.group(0), line)
        elif char == "." and (field := _FIELD.match(source, pos)):
            self.emit(Kind.FIELD, field.group(0), line)
        elif (number := _NUMBER.match(source, pos)) and number.group(0) not in ("+", "-", "."):
            self.emit(Kind.NUMBER, number.group(0), line)
        elif char == ".":
            self.emit(Kind.DOT, ".", line)
        elif ident := _IDENT.match(source, pos):
            word = ident.group(0)
            self.emit(Kind.KEYWORD if word in KEYWORDS else Kind.IDENT, word, line)
        else:
            raise self.fail(f"unexpected {char!r} in command")

    def emit(self, kind: Kind, text: str, line: int) -> None:
        self.tokens.append(Token(kind, text, line))
        self.pos += len(text)

    def quoted(self, quote: str, line: int) -> None:
        source = self.source
        end = self.pos + 1
        while end < len(source) and source[end] != quote:
            if source[end] == "\\" and quote != "`":
                end += 1
            if source[end] == "\n" and quote != "`":
                break
            end += 1
        if end >= len(source) or source[end] != quote:
            raise self.fail("unterminated quoted string" if quote != "'" else "unterminated character constant")
        kind = {"`": Kind.RAW, '"': Kind.STRING, "'": Kind.CHAR}[quote]
        self.emit(kind, source[self.pos : end + 1], line)
