"""Which Alerts an event goes to, and the metadata each notification carries: Flux's matching rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from reflow.api.annotations import EVENT_PREFIX
from reflow.api.notification import Alert, EventSource

from .event import Event

Labels = Callable[[], Mapping[str, str] | None]
"""The involved object's labels, looked up only when a source has `matchLabels`; None when it cannot be read."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an Alert takes an event, and the problems with the Alert's configuration found on the way."""

    matched: bool
    problems: tuple[str, ...] = ()


def source_matches(event: Event, source: EventSource, alert: Alert, labels: Labels) -> bool:
    """Flux's match of one event source: namespace (the Alert's when empty), kind, severity, name or `*`, labels."""
    namespace = source.namespace or alert.metadata.namespace
    if event.namespace != namespace or event.kind != source.kind:
        return False
    severity = alert.spec.event_severity
    if event.severity != severity and severity != "info":
        return False
    if source.name not in ("*", event.name):
        return False
    if not source.match_labels:
        return True
    found = labels()
    return found is not None and all(found.get(key) == value for key, value in source.match_labels.items())


def matches(event: Event, alert: Alert, labels: Labels) -> Verdict:
    """Whether a (not suspended) Alert takes the event: a source matches, the message is included and not excluded.

    An invalid regular expression never matches; it is reported as a problem (Flux's InvalidConfig event).
    """
    if alert.spec.suspend:
        return Verdict(False)
    if not any(source_matches(event, source, alert, labels) for source in alert.spec.event_sources):
        return Verdict(False)
    included, bad_inclusions = _any_match(alert.spec.inclusion_list, event.message)
    problems = tuple(f"failed to compile inclusion regex: {text}" for text in bad_inclusions)
    if alert.spec.inclusion_list and not included:
        return Verdict(False, problems)
    excluded, bad_exclusions = _any_match(alert.spec.exclusion_list, event.message)
    problems += tuple(f"failed to compile exclusion regex: {text}" for text in bad_exclusions)
    return Verdict(not excluded, problems)


@dataclass(frozen=True, slots=True)
class Combined:
    """The notification's event with its metadata combined, and the keys more than one source set."""

    event: Event
    conflicts: Mapping[str, tuple[str, ...]]


OBJECT_ANNOTATIONS = "involved object annotations"
ALERT_METADATA = "Alert object .spec.eventMetadata"
CONTROLLER_METADATA = "involved object controller metadata"


def combine_metadata(event: Event, alert: Alert) -> Combined:
    """Metadata as a provider sees it, prefixes removed; a later source wins (Flux's RFC 0008 order): the object's
    `event.toolkit.fluxcd.io/` annotations, then the Alert's `eventMetadata`, then the controller's metadata."""
    own = f"{event.group}/"
    layers = (
        (OBJECT_ANNOTATIONS, {k.removeprefix(EVENT_PREFIX): v for k, v in event.metadata.items()
                              if k.startswith(EVENT_PREFIX)}),
        (ALERT_METADATA, dict(alert.spec.event_metadata)),
        (CONTROLLER_METADATA, {k.removeprefix(own): v for k, v in event.metadata.items() if k.startswith(own)}),
    )  # fmt: skip
    metadata: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    for name, values in layers:
        for key, value in values.items():
            metadata[key] = value
            sources.setdefault(key, []).append(name)
    conflicts = {key: tuple(names) for key, names in sorted(sources.items()) if len(names) > 1}
    return Combined(replace(event, metadata=metadata), conflicts)


def _any_match(patterns: tuple[str, ...], message: str) -> tuple[bool, list[str]]:
    invalid: list[str] = []
    for text in patterns:
        try:
            if re.search(text, message):
                return True, invalid
        except re.error:
            invalid.append(text)
    return False, invalid
