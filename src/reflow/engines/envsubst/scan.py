"""The character scanner behind `${var}` templates, kept rune-for-rune with fluxcd/pkg envsubst.

Flux's parser drives one mutable scanner, switching what it accepts (`accept`), which tokens it
recognises (`mode`) and which escapes apply as it walks through an expansion. Its quirks (how `$$`
collapses, where `\\/` is an escape, how far an unread steps back) decide what a manifest renders to,
so this port keeps the same moves rather than a regular expression.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, IntFlag

END = ""  # what `read` returns past the last character

Accept = Callable[[str, int], bool]
"""Whether a character belongs to the current token, given its 1-based position in the token."""


class Mode(IntFlag):
    """Which tokens `scan` recognises."""

    TEXT = 1
    OPEN = 2  # `${`
    CLOSE = 4  # `}`
    ESCAPES = 8


class Escapes(IntFlag):
    """Which escapes apply while scanning text: `$$` → `$`, and `\\/`, `\\\\` inside replacements."""

    DOLLAR = 1
    BACKSLASH = 2
    ALL = 3


class Token(Enum):
    """What `scan` found."""

    ILLEGAL = "illegal"
    END = "end"
    TEXT = "text"
    OPEN = "open"
    CLOSE = "close"


def accept_any(char: str, position: int) -> bool:
    return True


def accept_name(char: str, position: int) -> bool:
    return char == "_" or char.isalpha() or char.isdecimal()


class Scanner:
    """A cursor over the template text; escapes are applied by deleting the escaping character."""

    def __init__(self, text: str) -> None:
        self.buffer = list(text)
        self.position = 0
        self.start = 0
        self.width = 0
        self.mode = Mode.TEXT
        self.escapes = Escapes.DOLLAR
        self.accept: Accept = accept_any

    def read(self) -> str:
        if self.position >= len(self.buffer):
            self.width = 0
            return END
        char = self.buffer[self.position]
        self.width = 1
        self.position += 1
        return char

    def unread(self) -> None:
        self.position -= self.width

    def peek(self) -> str:
        char = self.read()
        self.unread()
        return char

    def text(self) -> str:
        """The most recently scanned token."""
        return "".join(self.buffer[self.start : self.position])

    def _skip(self) -> None:
        del self.buffer[self.position - 1]

    def scan(self) -> Token:
        self.start = self.position
        char = self.read()
        if char == END:
            return Token.END
        if self._open(char):
            return Token.OPEN
        if self._close(char):
            return Token.CLOSE
        if self._text(char):
            return Token.TEXT
        return Token.ILLEGAL

    def _text(self, char: str) -> bool:
        if not self.mode & Mode.TEXT:
            return False
        if self._escaped(char):
            self._skip()
        elif not self.accept(char, self.position - self.start):
            return False
        while True:
            char = self.read()
            if char == END:
                self.unread()
                return True
            if self._open(char):
                self.unread()
                self.unread()
                return True
            if self._escaped(char):
                self._skip()
                continue
            if not self.accept(char, self.position - self.start):
                self.unread()
                return True

    def _open(self, char: str) -> bool:
        if not self.mode & Mode.OPEN or char != "$":
            return False
        if self.read() == "{":
            return True
        self.unread()
        return False

    def _close(self, char: str) -> bool:
        return bool(self.mode & Mode.CLOSE) and char == "}"

    def _escaped(self, char: str) -> bool:
        if not self.mode & Mode.ESCAPES:
            return False
        if char == "$" and self.escapes & Escapes.DOLLAR and self.peek() == "$":
            return True
        if char == "\\" and self.escapes & Escapes.BACKSLASH:
            return self.peek() in ("/", "\\")
        return False
