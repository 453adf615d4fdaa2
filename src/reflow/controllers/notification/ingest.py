"""The event endpoint: `POST /` with a Flux event, checked, rate limited and queued for dispatch (202/400/429).

reflow's own controllers in the same process hand their events to `accept` directly, under the same rules.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace

from aiohttp import web

from reflow.api.meta import Manifest
from reflow.engines.notify import Event, InvalidEvent, RateLimiter, cleaned, parse_event, rate_key, without_token

log = logging.getLogger("reflow.controllers.notification.ingest")

BODY_LIMIT = 1 << 20
"""Largest event body accepted, in bytes: a 39000-character message and its metadata fit many times over."""
ACCEPTED, BAD_REQUEST, TOO_MANY = 202, 400, 429


class EventIngest:
    """Takes events in and passes each one admitted by the rate limit to `dispatch`."""

    def __init__(self, dispatch: Callable[[Event], None], *, rate_limit_interval: float) -> None:
        self.dispatch = dispatch
        self.limiter = RateLimiter(rate_limit_interval)

    def accept(self, raw: bytes | Manifest) -> tuple[int, str]:
        """The HTTP status for an event body and why: 400 malformed, 429 a duplicate inside the window, else 202."""
        try:
            event = cleaned(parse_event(raw))
        except InvalidEvent as err:
            log.info("event refused", extra={"error": str(err)})
            return BAD_REQUEST, f"invalid event: {err}"
        key = rate_key(event)
        if not self.limiter.allow(key):
            log.debug("duplicate event discarded", extra={"object": event.involved_ref})
            return TOO_MANY, "duplicate event within the rate limit interval"
        self.dispatch(replace(without_token(event), key=key))
        return ACCEPTED, "accepted"

    async def deliver(self, body: Manifest) -> int:
        """The in-process path of reflow's own recorders: the same checks as `POST /`."""
        status, _ = self.accept(json.loads(json.dumps(body)))
        return status

    def app(self) -> web.Application:
        """The aiohttp application serving `POST /`."""

        async def handle(request: web.Request) -> web.Response:
            try:
                raw = await request.read()
            except web.HTTPRequestEntityTooLarge:
                return web.Response(status=413, text="event body too large")
            except (ConnectionError, ValueError):
                return web.Response(status=BAD_REQUEST, text="reading the request body failed")
            status, text = self.accept(raw)
            return web.Response(status=status, text=text)

        app = web.Application(client_max_size=BODY_LIMIT)
        app.router.add_post("/", handle)
        return app
