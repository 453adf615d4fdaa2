"""GitHub push webhooks as GitHub sends them: the JSON payload of a push and its signed headers."""

from __future__ import annotations

import json
import uuid

from reflow.engines.notify.providers.webhooks import signature


def push_payload(*, branch: str, before: str, after: str, clone_url: str) -> bytes:
    """The body of a `push` event for one new commit on `branch` (the fields receivers and filters read)."""
    return json.dumps(
        {
            "ref": f"refs/heads/{branch}",
            "before": before,
            "after": after,
            "created": False,
            "deleted": False,
            "forced": False,
            "repository": {"name": "bench", "full_name": "reflow/bench", "clone_url": clone_url},
            "head_commit": {"id": after},
        },
        separators=(",", ":"),
    ).encode()


def signed_headers(body: bytes, token: str, event: str = "push") -> dict[str, str]:
    """The headers of a delivery: event name, delivery id and `X-Hub-Signature-256` over the body."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/bench",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": signature(body, token),
    }
