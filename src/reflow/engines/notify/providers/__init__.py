"""Payload builders by Provider type: pure functions from an event and a resolved Provider to one HTTP request."""

from __future__ import annotations

from collections.abc import Callable

from reflow.engines.notify.event import Event
from reflow.engines.notify.target import ProviderError, Request, Target

from .chat import discord, googlechat, msteams, rocket, slack, webex
from .commitstatus import azuredevops, bitbucket, bitbucketserver, gitea, github, gitlab
from .webhooks import generic, generic_hmac

Builder = Callable[[Event, Target], "Request | None"]
"""Builds the request for an event; None when the provider has nothing to send for it (a Progressing status)."""

BUILDERS: dict[str, Builder] = {
    "generic": generic,
    "generic-hmac": generic_hmac,
    "slack": slack,
    "discord": discord,
    "rocket": rocket,
    "msteams": msteams,
    "googlechat": googlechat,
    "webex": webex,
    "github": github,
    "gitlab": gitlab,
    "gitea": gitea,
    "bitbucket": bitbucket,
    "bitbucketserver": bitbucketserver,
    "azuredevops": azuredevops,
}


def build(event: Event, target: Target) -> Request | None:
    """The request the Provider's type sends for the event; ProviderError for a type reflow cannot send to yet."""
    builder = BUILDERS.get(target.type)
    if builder is None:
        raise ProviderError(f"reflow cannot send to {target.type!r} providers yet; supported: {', '.join(BUILDERS)}")
    return builder(event, target)
