"""ImagePolicy: choose the latest tag of a repository by a SemVer range, alphabetical or numerical order.

`filterTags.pattern` first narrows the tags (and `extract` may replace each by the part to compare); the
rule then picks one compared value and the tag it came from is the answer. Errors come in two kinds: the
policy itself cannot work (`InvalidPolicy`: a range or pattern that does not parse, no rule set; retrying
does not help) or these tags give it nothing to choose (`NoTagSelected`, which says why).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reflow.api.image import ImagePolicyChoice, TagFilter
from reflow.engines.image.extract import InvalidPattern, filter_tags
from reflow.engines.semver import InvalidConstraint, NoMatchingVersion, latest_tag, parse_constraints

# What Go's strconv.ParseFloat accepts in decimal: Python's float() also takes spaces and `1_000`
_DECIMAL = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.IGNORECASE)


Rule = Callable[[list[str]], str]


class InvalidPolicy(ValueError):
    """The policy cannot choose from any tag list: fix the ImagePolicy's spec."""


class NoTagSelected(LookupError):
    """The policy is valid but chooses nothing from these tags; the message says why."""


@dataclass(frozen=True, slots=True)
class Selected:
    """The chosen tag as the registry lists it, and the value the rule compared (differs with `extract`)."""

    tag: str
    compared: str


def select_latest(tags: Sequence[str], policy: ImagePolicyChoice, tag_filter: TagFilter | None = None) -> Selected:
    """The latest of `tags` under `policy`, after `tag_filter`; raises `InvalidPolicy` or `NoTagSelected`."""
    rule = _rule(policy)
    originals = {tag: tag for tag in tags}
    if tag_filter is not None and tag_filter.pattern:
        try:
            originals = dict(filter_tags(tags, tag_filter.pattern, tag_filter.extract or "").originals)
        except InvalidPattern as err:
            raise InvalidPolicy(f"failed to filter tags: {err}") from err
        if not originals:
            raise NoTagSelected(f"none of the {len(tags)} tags matches the filterTags pattern '{tag_filter.pattern}'")
    elif not tags:
        raise NoTagSelected("the image repository has no tags")
    compared = rule(list(originals))
    return Selected(tag=originals[compared], compared=compared)


def _rule(policy: ImagePolicyChoice) -> Rule:
    if policy.semver is not None:
        return _semver(policy.semver.range)
    if policy.alphabetical is not None:
        return max if policy.alphabetical.order == "asc" else min
    if policy.numerical is not None:
        descending = policy.numerical.order == "desc"
        return lambda values: _numerical(values, descending=descending)
    raise InvalidPolicy("invalid policy: set one of spec.policy.semver, alphabetical or numerical")


def _semver(text: str) -> Rule:
    try:
        constraints = parse_constraints(text)
    except InvalidConstraint as err:
        raise InvalidPolicy(f"invalid policy: semver range '{text}': {err}") from err

    def choose(values: list[str]) -> str:
        try:
            return latest_tag(values, constraints).tag
        except NoMatchingVersion:
            raise NoTagSelected(
                f"none of the {len(values)} tags is a version in the range '{text}'"
                " (pre-releases count only when the range names one, e.g. '>=1.0.0-0')"
            ) from None

    return choose


def _numerical(values: list[str], *, descending: bool) -> str:
    numbers = []
    for value in values:
        if _DECIMAL.fullmatch(value) is None:
            raise NoTagSelected(
                f"failed to parse invalid numeric value '{value}': numerical policies need numeric tags"
            )
        numbers.append((float(value), value))
    finite = [pair for pair in numbers if not math.isnan(pair[0])] or numbers
    return (min if descending else max)(finite)[1]
