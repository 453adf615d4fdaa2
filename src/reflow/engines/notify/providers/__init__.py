"""Payload builders by Provider type: pure functions from an event and a resolved Provider to HTTP requests; the
few providers that must read an answer first (change-request comments, Pub/Sub's token) are conversations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from reflow.engines.notify.event import Event
from reflow.engines.notify.target import ProviderError, Request, Target

from .changerequest import Call, giteapullrequestcomment, githubpullrequestcomment, gitlabmergerequestcomment
from .chat import discord, googlechat, msteams, rocket, slack, webex
from .cloud import azureeventhub, googlepubsub
from .commitstatus import azuredevops, bitbucket, bitbucketserver, gitea, github, gitlab
from .incidents import alertmanager, datadog, grafana, incidentio, opsgenie, pagerduty
from .messages import githubdispatch, lark, mastodon, matrix, nats, telegram, zoom, zulip
from .otel import otel
from .sentry import sentry
from .webhooks import generic, generic_hmac

Built = Request | tuple[Request, ...] | None
Builder = Callable[[Event, Target], Built]
"""Builds the request(s) for an event; None when the provider has nothing to send for it (a Progressing status)."""

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
    "githubdispatch": githubdispatch,
    "telegram": telegram,
    "matrix": matrix,
    "lark": lark,
    "zoom": zoom,
    "zulip": zulip,
    "mastodon": mastodon,
    "sentry": sentry,
    "otel": otel,
    "nats": nats,
    "opsgenie": opsgenie,
    "pagerduty": pagerduty,
    "alertmanager": alertmanager,
    "incident.io": incidentio,
    "grafana": grafana,
    "datadog": datadog,
    "azureeventhub": azureeventhub,
}

Conversation = Callable[[Event, Target, Call], Awaitable[None]]
"""Sends the event through `call`, reading answers on the way (who the token is, which comment to edit)."""

CONVERSATIONS: dict[str, Conversation] = {
    "githubpullrequestcomment": githubpullrequestcomment,
    "gitlabmergerequestcomment": gitlabmergerequestcomment,
    "giteapullrequestcomment": giteapullrequestcomment,
    "googlepubsub": googlepubsub,
}


def build(event: Event, target: Target) -> tuple[Request, ...]:
    """The requests the Provider's type sends for the event, in order (none for an event it skips);
    ProviderError for a type reflow cannot send to yet."""
    builder = BUILDERS.get(target.type)
    if builder is None:
        supported = ", ".join([*BUILDERS, *CONVERSATIONS])
        raise ProviderError(f"reflow cannot send to {target.type!r} providers with one request; supported: {supported}")
    built = builder(event, target)
    if built is None:
        return ()
    return built if isinstance(built, tuple) else (built,)
