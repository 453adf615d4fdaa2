"""The character scanner behind `${var}` templates, kept rune-for-rune with fluxcd/pkg envsubst.

Flux's parser drives one mutable scanner, switching what it accepts (`accept`), which tokens it
recognises (`mode`) and which escapes apply as it walks through an expansion. Its quirks (how `$$`
collapses, where `\\/` is an escape, how far an unread steps back) decide what a manifest renders to,
so this port keeps the same moves rather than a regular expression.

Two things keep it linear in the text: an escape marks the escaping character as dropped instead of
deleting it from the buffer, and a token that accepts everything but a few characters (`AnyBut`)
jumps over runs of ordinary characters with one search instead of reading them one by one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache

END = ""  # what `read` returns past the last character

Accept = Callable[[str, int], bool]
"""Whether a character belongs to the current token, given its 1-based position in the token."""


class Mode:
    """Which tokens `scan` recognises: bit flags, plain ints because the scanner tests them per character."""

    TEXT = 1
    OPEN = 2  # `${`
    CLOSE = 4  # `}`
    ESCAPES = 8


class Escapes:
    """Which escapes apply while scanning text (bit flags): `$$` → `$`, and `\\/`, `\\\\` inside replacements."""

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


@dataclass(frozen=True, slots=True)
class AnyBut:
    """Accepts every character except `stops`, wherever it is in the token."""

    stops: str

    def __call__(self, char: str, position: int) -> bool:
        return char not in self.stops


accept_any = AnyBut("")


@cache
def _special(stops: str) -> re.Pattern[str]:
    """The characters a scan over `AnyBut(stops)` must look at one by one: stops, `$` (opens, escapes), `\\`."""
    return re.compile(f"[{re.escape(stops + '$' + chr(92))}]")


def accept_name(char: str, position: int) -> bool:
    return char == "_" or char.isalpha() or char.isdecimal()


class Scanner:
    """A cursor over the template text; an escape drops the escaping character from the token's text."""

    def __init__(self, text: str) -> None:
        self.buffer = text
        self.position = 0
        self.start = 0
        self.width = 0
        self.dropped: list[int] = []  # positions of escaping characters in the current token
        self.mode: int = Mode.TEXT
        self.escapes: int = Escapes.DOLLAR
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
        """The most recently scanned token, without its escaping characters."""
        pieces = []
        begin = self.start
        for index in self.dropped:
            pieces.append(self.buffer[begin:index])
            begin = index + 1
        pieces.append(self.buffer[begin : self.position])
        return "".join(pieces)

    def _skip(self) -> None:
        """Drop the escaping character just read and take the escaped one after it as it is."""
        self.dropped.append(self.position - 1)
        self.position += 1

    def _jump(self) -> None:
        """Move over the ordinary characters ahead that the current `AnyBut` token takes as they are."""
        if isinstance(self.accept, AnyBut):
            found = _special(self.accept.stops).search(self.buffer, self.position)
            self.position = found.start() if found else len(self.buffer)

    def scan(self) -> Token:
        self.start = self.position
        self.dropped = []
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
            self._jump()
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
