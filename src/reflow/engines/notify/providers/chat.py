"""Chat providers: Slack and the services that take Slack's attachment shape (Discord, Rocket.Chat), Microsoft
Teams, Google Chat and Webex. Each builds its service's documented message from the event."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from reflow.api.meta import Manifest
from reflow.engines.notify.event import Event
from reflow.engines.notify.target import Request, Target, http_url, json_request, object_name

SLACK_API = "https://slack.com/api/chat.postMessage"
ADAPTIVE_CARD_VERSION = "1.4"


def _title(event: Event) -> str:
    return object_name(event.kind, event.name, event.namespace)


def _fields(event: Event) -> list[tuple[str, str]]:
    """The metadata in key order, `summary` first (maps have no order on the wire; a stable one reads better)."""
    items = sorted(event.metadata.items())
    return sorted(items, key=lambda item: item[0] != "summary")


def _attachment(event: Event, color: str, *, fallback: bool) -> Manifest:
    author = _title(event)
    attachment: Manifest = {}
    if fallback:
        attachment["fallback"] = f"{author}: {event.message.splitlines()[0] if event.message else ''}"
    attachment.update(
        color=color,
        author_name=author,
        text=event.message,
        mrkdwn_in=["text"],
        fields=[{"title": key, "value": value, "short": False} for key, value in _fields(event)],
    )
    return attachment


def _slack_shape(channel: str, username: str, attachment: Manifest) -> Manifest:
    return {"channel": channel, "username": username, "icon_url": "", "icon_emoji": "", "attachments": [attachment]}


def slack(event: Event, target: Target) -> Request:
    """An incoming-webhook (or `chat.postMessage` with the token) message with one colored attachment."""
    color = "danger" if event.severity == "error" else "good"
    payload = _slack_shape(target.channel, target.username or event.reporting_controller,
                           _attachment(event, color, fallback=True))  # fmt: skip
    headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
    return json_request(http_url(target.address, "Slack"), payload, headers)


def discord(event: Event, target: Target) -> Request:
    """Discord's Slack-compatible webhook (`…/slack` appended to the webhook URL)."""
    address = http_url(target.address, "Discord")
    parts = urlsplit(address)
    if not parts.path.endswith("/slack"):
        address = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/slack"))
    color = "danger" if event.severity == "error" else "good"
    payload = _slack_shape("", target.username or event.reporting_controller, _attachment(event, color, fallback=False))
    return json_request(address, payload)


def rocket(event: Event, target: Target) -> Request:
    """Rocket.Chat's incoming webhook, which takes Slack's attachment shape."""
    color = "#FF0000" if event.severity == "error" else "#0076D7"
    payload = _slack_shape(target.channel, target.username, _attachment(event, color, fallback=False))
    return json_request(http_url(target.address, "Rocket"), payload)


def msteams(event: Event, target: Target) -> Request:
    """A Teams workflow webhook message holding an Adaptive Card: title, message (red for errors), metadata facts;
    an Office 365 connector address (`*.webhook.office.com`) gets the legacy MessageCard instead."""
    address = http_url(target.address, "MS Teams")
    if (urlsplit(address).hostname or "").endswith(".webhook.office.com"):
        legacy = {
            "@type": "MessageCard",
            "@context": "http://schema.org/extensions",
            "themeColor": "FF0000" if event.severity == "error" else "0076D7",
            "summary": _title(event),
            "sections": [{"activityTitle": event.message, "activitySubtitle": _title(event),
                          "facts": [{"name": key, "value": value} for key, value in _fields(event)]}],
        }  # fmt: skip
        return json_request(address, legacy)
    message: Manifest = {"type": "TextBlock", "text": event.message, "wrap": True}
    if event.severity == "error":
        message["color"] = "attention"
    facts = [{"title": key, "value": value} for key, value in _fields(event)]
    card: Manifest = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": [
            {
                "type": "Container",
                "items": [
                    {"type": "TextBlock", "text": _title(event), "size": "large", "weight": "bolder", "wrap": True},
                    message,
                    {"type": "FactSet", "facts": facts},
                ],
            }
        ],
        "msteams": {"width": "Full"},
    }
    payload = {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }
    return json_request(address, payload)


def googlechat(event: Event, target: Target) -> Request:
    """A Google Chat card: the object as header, the message (red for errors), then the metadata as key-values."""
    text = event.message if event.severity != "error" else f'<font color="#ff0000">{event.message}</font>'
    sections: list[Manifest] = [{"header": "", "widgets": [{"textParagraph": {"text": text}, "keyValue": None}]}]
    if event.metadata:
        widgets = [
            {"textParagraph": None, "keyValue": {"topLabel": key, "content": value, "contentMultiline": False,
                                                 "bottomLabel": None, "icon": None}}
            for key, value in _fields(event)
        ]  # fmt: skip
        sections.append({"header": "", "widgets": widgets})
    header = {"title": _title(event), "subtitle": event.reporting_controller, "imageUrl": None, "imageStyle": None}
    return json_request(http_url(target.address, "Google Chat"), {"cards": [{"header": header, "sections": sections}]})


def webex(event: Event, target: Target) -> Request:
    """A Webex message in Markdown to the room named by `channel`, with the bot token."""
    emoji = "💣" if event.severity == "error" else "✅"
    lines = [f"{emoji} **{_title(event)}**", event.message]
    lines += [f">**{key}**: {value}" for key, value in _fields(event)]
    payload: Manifest = {}
    if target.channel:
        payload["roomId"] = target.channel
    payload["markdown"] = "\n".join(lines) + "\n"
    return json_request(http_url(target.address, "Webex"), payload, {"Authorization": f"Bearer {target.token}"})
