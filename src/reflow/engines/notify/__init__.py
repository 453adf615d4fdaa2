"""Notifications: Flux's event schema and rate limit, Alert matching, and one payload builder per Provider type."""

from __future__ import annotations

from .alerts import Combined, Verdict, combine_metadata, matches
from .event import Event, InvalidEvent, cleaned, parse_event, rate_key, without_token
from .providers import BUILDERS, CONVERSATIONS, build
from .ratelimit import RateLimiter
from .routing import Route, default_status_key, route
from .send import DeliveryFailed, Transport, call, mask, send
from .target import ProviderError, Request, Target

__all__ = [
    "BUILDERS",
    "CONVERSATIONS",
    "Combined",
    "DeliveryFailed",
    "Event",
    "InvalidEvent",
    "ProviderError",
    "RateLimiter",
    "Request",
    "Route",
    "Target",
    "Transport",
    "Verdict",
    "build",
    "call",
    "cleaned",
    "combine_metadata",
    "default_status_key",
    "mask",
    "matches",
    "parse_event",
    "rate_key",
    "route",
    "send",
    "without_token",
]
