"""Drift ignore rules (`spec.ignore`): fields, named by JSON pointers (RFC 6901), that drift detection leaves out.

An ignored field that differs between the live object and the dry-run is settled on apply as Flux's ssa
package settles it: left out of the applied object when another apply manager owns it (so that manager
keeps it), and set to its live value when this controller is its only applier (so the apply keeps it).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reflow.api.kustomize import IgnoreRule
from reflow.api.meta import Manifest

from .selector import Target

_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Pointer:
    """A JSON pointer: its text and its reference tokens, unescaped."""

    text: str
    tokens: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Pointer:
        """Parse `/a/b~1c/0`; raises ValueError for a pointer that does not start with `/` or has a bad `~` escape."""
        if not text.startswith("/"):
            raise ValueError(f"invalid JSON pointer {text!r}: it must start with '/' (e.g. /spec/replicas)")
        if _BAD_ESCAPE.search(text):
            raise ValueError(f"invalid JSON pointer {text!r}: '~' must be followed by 0 or 1 ('~0' is ~, '~1' is /)")
        return cls(text, tuple(token.replace("~1", "/").replace("~0", "~") for token in text[1:].split("/")))

    def __str__(self) -> str:
        return self.text


def _step(node: object, token: str) -> object:
    """The child of `node` named by one token, or `_MISSING`."""
    if isinstance(node, dict):
        return node.get(token, _MISSING)
    if isinstance(node, list) and _INDEX.fullmatch(token) and int(token) < len(node):
        return node[int(token)]
    return _MISSING


def lookup(doc: object, pointer: Pointer) -> tuple[bool, object]:
    """(True, value) at the pointer, or (False, None) when any token leads nowhere."""
    node = doc
    for token in pointer.tokens:
        node = _step(node, token)
        if node is _MISSING:
            return False, None
    return True, node


def _parent(doc: object, pointer: Pointer) -> object:
    node = doc
    for token in pointer.tokens[:-1]:
        node = _step(node, token)
    return node


def removed(doc: Manifest, pointers: Iterable[Pointer]) -> Manifest:
    """A copy of `doc` without the fields at the pointers, removed in order; pointers that lead nowhere are skipped."""
    out = copy.deepcopy(doc)
    for pointer in pointers:
        parent, last = _parent(out, pointer), pointer.tokens[-1]
        if isinstance(parent, dict):
            parent.pop(last, None)
        elif isinstance(parent, list) and _step(parent, last) is not _MISSING:
            del parent[int(last)]
    return out


def replaced(doc: Manifest, pointer: Pointer, value: object) -> Manifest:
    """A copy of `doc` with the field at the pointer set to `value`; unchanged when the field is not there."""
    out = copy.deepcopy(doc)
    parent, last = _parent(out, pointer), pointer.tokens[-1]
    if _step(parent, last) is _MISSING:
        return out
    if isinstance(parent, dict):
        parent[last] = copy.deepcopy(value)
    elif isinstance(parent, list):
        parent[int(last)] = copy.deepcopy(value)
    return out


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """Compiled `spec.ignore` rules: pointers, each with the target (None: every object) they apply to."""

    rules: tuple[tuple[Target | None, tuple[Pointer, ...]], ...] = ()

    @classmethod
    def compile(cls, rules: Iterable[IgnoreRule]) -> IgnoreRules:
        """Compile the rules; raises ValueError naming the rule (`spec.ignore[1].target`) and what is invalid."""
        compiled: list[tuple[Target | None, tuple[Pointer, ...]]] = []
        for index, rule in enumerate(rules):
            try:
                pointers = tuple(Pointer.parse(path) for path in rule.paths)
            except ValueError as error:
                raise ValueError(f"spec.ignore[{index}].paths: {error}") from None
            try:
                target = Target.of(rule.target) if rule.target is not None else None
            except ValueError as error:
                raise ValueError(f"spec.ignore[{index}].target: {error}") from None
            compiled.append((target, pointers))
        return cls(tuple(compiled))

    def __bool__(self) -> bool:
        return bool(self.rules)

    def pointers(self, obj: Manifest) -> tuple[Pointer, ...]:
        """The pointers of every rule whose target selects the object, in rule order."""
        return tuple(p for target, pointers in self.rules if target is None or target.matches(obj) for p in pointers)


class Settle(StrEnum):
    """What an apply does with an ignored field that drifted."""

    STRIP = "strip"
    """Leave it out of the applied object: another apply manager owns it, or it is not in the live object."""
    ADOPT = "adopt"
    """Apply the live value: this controller is its only applier."""


@dataclass(frozen=True, slots=True)
class Settled:
    """How one drifted ignored field is applied; `value` is the live value when adopted."""

    pointer: Pointer
    action: Settle
    value: object = None


def settle(
    live: Manifest, dry_run: Manifest, pointers: Sequence[Pointer], owned_by_others: Callable[[Pointer], bool]
) -> tuple[Settled, ...]:
    """How to apply each ignored field whose live value differs from the dry-run's (fields that agree need nothing)."""
    decisions: list[Settled] = []
    for pointer in pointers:
        live_found, live_value = lookup(live, pointer)
        if (live_found, live_value) == lookup(dry_run, pointer):
            continue
        if owned_by_others(pointer) or not live_found:
            decisions.append(Settled(pointer, Settle.STRIP))
        else:
            decisions.append(Settled(pointer, Settle.ADOPT, live_value))
    return tuple(decisions)


def settled(obj: Manifest, decisions: Sequence[Settled]) -> Manifest:
    """The object to apply: stripped fields removed first, then adopted fields set where the object has them."""
    out = removed(obj, (d.pointer for d in decisions if d.action is Settle.STRIP))
    for decision in decisions:
        if decision.action is Settle.ADOPT:
            out = replaced(out, decision.pointer, decision.value)
    return out
