"""Message providers that are not Slack-shaped: Telegram, Matrix, Lark, Zoom, Zulip, Mastodon, NATS, and GitHub's
repository_dispatch, each in the shape its API documents."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from reflow.engines.notify.event import Event
from reflow.engines.notify.providers.changerequest import markdown_post
from reflow.engines.notify.providers.commitstatus import Repository
from reflow.engines.notify.target import ProviderError, Request, Target, http_url, json_request, object_name

TELEGRAM_API = "https://api.telegram.org"
MASTODON_STATUSES = "/api/v1/statuses"
MASTODON_LIMIT = 500
"""A Mastodon server's default status length, in characters; longer statuses are cut with `…`."""
TELEGRAM_SPECIAL = "\\.-_[]()~>`#+=|{}!*"


def _emoji(event: Event) -> str:
    return "🚨" if event.severity == "error" else "💫"


def _escape_markdown_v2(text: str) -> str:
    return "".join(f"\\{char}" if char in TELEGRAM_SPECIAL else char for char in text)


def telegram(event: Event, target: Target) -> Request:
    """`sendMessage` with MarkdownV2 to the chat in `channel` (`<chat>:<thread>` for a forum topic)."""
    if not target.channel or not target.token:
        raise ProviderError("telegram needs spec.channel (the chat id) and a `token` in the Provider's Secret")
    heading = f"{_emoji(event)} {event.kind.lower()}/{event.name}/{event.namespace}"
    lines = "".join(
        f"\\- *{_escape_markdown_v2(k)}*: {_escape_markdown_v2(v)}\n" for k, v in sorted(event.metadata.items())
    )
    text = f"*{_escape_markdown_v2(heading)}*\n{_escape_markdown_v2(event.message)}\n{lines}"
    chat, _, thread = target.channel.partition(":")
    payload = {"chat_id": chat, **({"message_thread_id": thread} if thread else {}), "text": text,
               "parse_mode": "MarkdownV2"}  # fmt: skip
    base = http_url(target.address, "Telegram").rstrip("/") if target.address else TELEGRAM_API
    return json_request(f"{base}/bot{target.token}/sendMessage", payload)


def matrix(event: Event, target: Target) -> Request:
    """`PUT /_matrix/client/r0/rooms/{room}/send/m.room.message/{txn}`: an `m.text` message, the transaction id
    the SHA-1 of the event so a retry does not post twice."""
    if not target.channel:
        raise ProviderError("matrix needs the room id as spec.channel")
    lines = "".join(f"- {k}: {v}\n" for k, v in sorted(event.metadata.items()))
    body = f"{_emoji(event)} {object_name(event.kind, event.name, event.namespace)}\n{event.message}\n{lines}"
    txn = hashlib.sha1(json.dumps(event.body(), sort_keys=True).encode()).hexdigest()
    server = http_url(target.address, "Matrix").rstrip("/")
    url = f"{server}/_matrix/client/r0/rooms/{target.channel}/send/m.room.message/{txn}"
    request = json_request(url, {"body": body, "msgtype": "m.text"}, {"Authorization": f"Bearer {target.token}"})
    return Request(url=request.url, body=request.body, headers=request.headers, method="PUT")


def lark(event: Event, target: Target) -> Request:
    """A Lark (Feishu) interactive card: the object as a colored header, message and metadata in lark_md."""
    content = f"**{event.message}**\n\n" + "".join(f"{k}: {v}\n" for k, v in sorted(event.metadata.items()))
    card = {
        "config": {"wide_screen_mode": True},
        "header": {
            "title": {"tag": "plain_text",
                      "content": f"{_emoji(event)} {object_name(event.kind, event.name, event.namespace)}"},
            "template": "red" if event.severity == "error" else "turquoise",
        },
        "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": content}}],
    }  # fmt: skip
    return json_request(http_url(target.address, "Lark"), {"msg_type": "interactive", "card": card})


def zoom(event: Event, target: Target) -> Request:
    """A Zoom Team Chat incoming-webhook message (`format=full`), authorized by the verification token."""
    if not target.token:
        raise ProviderError("zoom needs the webhook's verification `token` in the Provider's Secret")
    parts = urlsplit(http_url(target.address, "Zoom"))
    query = dict(parse_qsl(parts.query))
    query.setdefault("format", "full")
    body: list[dict[str, object]] = [{"type": "message", "text": event.message}]
    if event.metadata:
        body.append({"type": "fields", "items": [{"key": k, "value": v} for k, v in sorted(event.metadata.items())]})
    payload = {"content": {"head": {"text": object_name(event.kind, event.name, event.namespace),
                                    "sub_head": {"text": event.severity}}, "body": body}}  # fmt: skip
    url = urlunsplit(parts._replace(query=urlencode(query)))
    return json_request(url, payload, {"Authorization": target.token})


def zulip(event: Event, target: Target) -> Request:
    """A Zulip stream message (`POST /api/v1/messages`, form-encoded) to `<channel>/<topic>`, as the bot."""
    stream, _, topic = target.channel.partition("/")
    if not stream or not topic:
        raise ProviderError(f"invalid Zulip channel format, expected <channel>/<topic>, got '{target.channel}'")
    parts = urlsplit(http_url(target.address, "Zulip"))
    form = urlencode({"type": "stream", "to": stream, "topic": topic, "content": markdown_post(event)}).encode()
    return Request(url=urlunsplit(parts._replace(path="/api/v1/messages", query="")), body=form,
                   headers={"Content-Type": "application/x-www-form-urlencoded"},
                   basic_auth=(target.username, target.password))  # fmt: skip


def githubdispatch(event: Event, target: Target) -> Request:
    """A `repository_dispatch` (`POST /repos/{owner}/{repo}/dispatches`) with the event as `client_payload`."""
    repo = Repository.parse(target.address, "GitHub")
    owner, name = repo.owner_repo("GitHub")
    api = "https://api.github.com" if repo.host == "https://github.com" else f"{repo.host}/api/v3"
    payload = {"event_type": f"{event.kind}/{event.name}.{event.namespace}", "client_payload": event.body()}
    headers = {"Authorization": f"Bearer {target.token}", "Accept": "application/vnd.github+json"}
    return json_request(f"{api}/repos/{owner}/{name}/dispatches", payload, headers)


def mastodon(event: Event, target: Target) -> Request:
    """A status (`POST /api/v1/statuses`) on the account of the access token, cut to 500 characters; the
    event's rate-limit key as `Idempotency-Key`, so a retried post does not appear twice."""
    if not target.token:
        raise ProviderError("mastodon needs an access `token` in the Provider's Secret")
    parts = urlsplit(http_url(target.address, "Mastodon"))
    path = parts.path.rstrip("/")
    if not path.endswith(MASTODON_STATUSES):
        path += MASTODON_STATUSES
    lines = "".join(f"{k}: {v}\n" for k, v in sorted(event.metadata.items()))
    status = (
        f"{_emoji(event)} {object_name(event.kind, event.name, event.namespace)}\n{event.message}\n\n{lines}".strip()
    )
    if len(status) > MASTODON_LIMIT:
        status = status[: MASTODON_LIMIT - 1] + "…"
    headers = {"Authorization": f"Bearer {target.token}"}
    if event.key:
        headers["Idempotency-Key"] = event.key
    return json_request(urlunsplit(parts._replace(path=path)), {"status": status}, headers)


def nats(event: Event, target: Target) -> Request:
    """The event JSON published on the subject in `channel` of the NATS server in the address."""
    if not target.channel:
        raise ProviderError("nats needs the subject as spec.channel")
    body = json.dumps(event.body(), separators=(",", ":"), ensure_ascii=False).encode()
    auth = (target.username, target.password) if target.username else None
    return Request(url=target.address, body=body, subject=target.channel, basic_auth=auth,
                   headers={"token": target.token} if target.token else {})  # fmt: skip
