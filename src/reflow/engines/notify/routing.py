"""Flux's routing rules between events and provider families: commit statuses, change requests and the rest."""

from __future__ import annotations

import re
from enum import StrEnum

from reflow.api.annotations import EVENT_PREFIX
from reflow.api.notification import COMMIT_STATUS_TYPES

from .event import CHANGE_REQUEST, COMMIT, COMMIT_STATUS, COMMIT_STATUS_UPDATE, ORIGIN_REVISION, REVISION, Event

CHANGE_REQUEST_TYPES = ("githubpullrequestcomment", "gitlabmergerequestcomment", "giteapullrequestcomment")
SHA = re.compile(r"^[0-9a-f]{7,64}$")


class Route(StrEnum):
    """What happens to an event on its way to a provider."""

    SEND = "send"
    SKIP = "skip"
    """Not for this kind of provider (a commit-status update to a chat provider)."""
    DROP_NO_COMMIT = "drop-no-commit"
    """A commit-status provider got an event that names no commit."""
    DROP_NO_CHANGE_REQUEST = "drop-no-change-request"
    """A change-request provider got an event that names no change request."""


def is_commit_status_update(event: Event) -> bool:
    """The event of a finished run that commit-status providers report (`<group>/commit_status: update`)."""
    return event.object_meta(COMMIT_STATUS) == COMMIT_STATUS_UPDATE


def route(provider_type: str, event: Event) -> Route:
    """Where an event (its metadata still prefixed) may go: commit-status updates only to Git providers, which
    in turn take only those, events naming a commit, or none; change-request providers need a change request."""
    commit_status = provider_type in COMMIT_STATUS_TYPES
    if not commit_status and is_commit_status_update(event):
        return Route.SKIP
    if commit_status and not event.metadata.get(EVENT_PREFIX + COMMIT) and not is_commit_status_update(event):
        return Route.DROP_NO_COMMIT
    if provider_type in CHANGE_REQUEST_TYPES and not event.metadata.get(EVENT_PREFIX + CHANGE_REQUEST):
        return Route.DROP_NO_CHANGE_REQUEST
    return Route.SEND


def default_status_key(provider_uid: str, event: Event) -> str:
    """`<kind>/<name>/<first part of the Provider's uid>`, lower-cased: one status per object and cluster."""
    return f"{event.kind}/{event.name}/{provider_uid.split('-')[0]}".lower()


def commit_sha(metadata: dict[str, str] | None) -> str | None:
    """The commit of a combined event: `commit`, else the SHA in `originRevision`, else in `revision`
    (`main@sha1:<sha>`, or the legacy `main/<sha>`)."""
    values = metadata or {}
    if values.get(COMMIT):
        return values[COMMIT]
    for key in (ORIGIN_REVISION, REVISION):
        revision = values.get(key)
        if not revision:
            continue
        tail = revision.rpartition(":")[2] if "@" in revision else revision.rpartition("/")[2]
        if SHA.match(tail):
            return tail
    return None
