"""Which objects an ignore rule's `target` selects: anchored regular expressions and Kubernetes label selectors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reflow.api.kustomize import Selector
from reflow.api.meta import Manifest, group_of

_TOKEN = re.compile(r"\s*(==|!=|=|!|\(|\)|,|<|>|[^\s=!(),<>]+)")
_NAME = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
_KEY = re.compile(rf"([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}")
_VALUE = re.compile(rf"({_NAME})?")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement of a label selector: `operator` is `exists`, `!`, `=`, `!=`, `in`, `notin`, `<` or `>`."""

    key: str
    operator: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator == "exists":
            return self.key in labels
        if self.operator == "!":
            return self.key not in labels
        if self.operator in ("=", "in"):
            return value in self.values
        if self.operator in ("!=", "notin"):
            return value not in self.values
        bound = int(next(iter(self.values)))
        try:
            number = int(value) if value is not None else None
        except ValueError:
            return False
        return number is not None and (number > bound if self.operator == ">" else number < bound)


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed label selector (`app=web,tier!=db,env in (a,b),!legacy`); it matches when every requirement holds."""

    text: str
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(requirement.matches(labels) for requirement in self.requirements)


def parse_label_selector(text: str) -> LabelSelector:
    """Parse a selector as Kubernetes does (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`, `>`, `<`).

    Raises ValueError naming the selector and what is wrong with it.
    """
    tokens = _tokens(text)
    requirements: list[Requirement] = []
    position = 0

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise ValueError(f"invalid selector {text!r}: it ends too early")
        position += 1
        return tokens[position - 1]

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    while tokens:
        first = take()
        if first == "!":
            requirements.append(Requirement(_key(take(), text), "!"))
        else:
            key = _key(first, text)
            operator = peek()
            if operator in (None, ","):
                requirements.append(Requirement(key, "exists"))
            elif operator in ("=", "==", "!="):
                take()
                value = _value(take() if peek() not in (None, ",") else "", text)
                requirements.append(Requirement(key, "!=" if operator == "!=" else "=", frozenset({value})))
            elif operator in ("in", "notin"):
                take()
                requirements.append(Requirement(key, operator, _values(take, peek, text)))
            elif operator in ("<", ">"):
                take()
                requirements.append(Requirement(key, operator, frozenset({str(_integer(take(), text))})))
            else:
                raise ValueError(f"invalid selector {text!r}: unexpected {operator!r} after {key!r}")
        following = peek()
        if following is None:
            break
        if take() != ",":
            raise ValueError(f"invalid selector {text!r}: expected ',' before {following!r}")
    return LabelSelector(text, tuple(requirements))


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None:  # pragma: no cover - every character starts some token
            raise ValueError(f"invalid selector {text!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _key(token: str, text: str) -> str:
    if not _KEY.fullmatch(token) or len(token.rpartition("/")[2]) > 63:
        raise ValueError(f"invalid selector {text!r}: {token!r} is not a valid label key")
    return token


def _value(token: str, text: str) -> str:
    if not _VALUE.fullmatch(token):
        raise ValueError(f"invalid selector {text!r}: {token!r} is not a valid label value")
    return token


def _values(take: Callable[[], str], peek: Callable[[], str | None], text: str) -> frozenset[str]:
    if take() != "(":
        raise ValueError(f"invalid selector {text!r}: expected '(' after in/notin")
    values: set[str] = set()
    while True:
        values.add(_value("" if peek() in (",", ")") else take(), text))
        separator = take()
        if separator == ")":
            break
        if separator != ",":
            raise ValueError(f"invalid selector {text!r}: expected ',' or ')' in a value list, got {separator!r}")
    if values == {""}:
        raise ValueError(f"invalid selector {text!r}: in/notin needs at least one value")
    return frozenset(values)


def _integer(token: str, text: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise ValueError(f"invalid selector {text!r}: {token!r} is not an integer") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A compiled `target`: each regular expression must match the whole field, as Flux anchors them."""

    group: re.Pattern[str] | None = None
    version: re.Pattern[str] | None = None
    kind: re.Pattern[str] | None = None
    name: re.Pattern[str] | None = None
    namespace: re.Pattern[str] | None = None
    labels: LabelSelector | None = None
    annotations: LabelSelector | None = None

    @classmethod
    def of(cls, selector: Selector) -> Target:
        """Compile a selector; raises ValueError naming the field whose expression is invalid."""
        patterns = {
            "group": selector.group,
            "version": selector.version,
            "kind": selector.kind,
            "name": selector.name,
            "namespace": selector.namespace,
        }
        compiled: dict[str, re.Pattern[str] | None] = {}
        for field, pattern in patterns.items():
            try:
                compiled[field] = re.compile(f"(?:{pattern})") if pattern else None
            except re.error as error:
                raise ValueError(f"invalid {field} regex {pattern!r}: {error}") from None
        return cls(
            **compiled,
            labels=parse_label_selector(selector.label_selector) if selector.label_selector else None,
            annotations=parse_label_selector(selector.annotation_selector) if selector.annotation_selector else None,
        )

    def matches(self, obj: Manifest) -> bool:
        """Whether the object is selected: every set field matches and both selectors hold."""
        metadata = obj.get("metadata") or {}
        api_version = str(obj.get("apiVersion", ""))
        fields = (
            (self.group, group_of(api_version)),
            (self.version, api_version.rpartition("/")[2]),
            (self.kind, str(obj.get("kind", ""))),
            (self.name, str(metadata.get("name", ""))),
            (self.namespace, str(metadata.get("namespace") or "")),
        )
        if any(pattern is not None and not pattern.fullmatch(value) for pattern, value in fields):
            return False
        if self.labels is not None and not self.labels.matches(metadata.get("labels") or {}):
            return False
        return self.annotations is None or self.annotations.matches(metadata.get("annotations") or {})
