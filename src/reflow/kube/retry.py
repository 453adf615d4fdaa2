"""When the API server asks a client to come back later (429, or a 5xx with Retry-After), and how long to wait."""

from __future__ import annotations

from collections.abc import Mapping

MAX_RETRIES = 10
"""client-go's limit: after ten answers asking to retry, the last one is the error."""

LONGEST_WAIT = 30.0
"""Seconds at most between two tries, whatever Retry-After says (a hostile or broken proxy cannot stall us)."""


def retry_after(status: int, headers: Mapping[str, str]) -> float | None:
    """Seconds to wait before sending the same request again, or None when the answer is final.

    As client-go: a 429 is always retried (1 s when it names no delay); a 5xx only when the server
    sent Retry-After, since only then did it say the request may be repeated.
    """
    header = headers.get("Retry-After")
    seconds = _seconds(header) if header is not None else None
    if status == 429:
        return min(seconds if seconds is not None else 1.0, LONGEST_WAIT)
    if 500 <= status < 600 and seconds is not None:
        return min(seconds, LONGEST_WAIT)
    return None


def _seconds(header: str) -> float | None:
    try:
        value = int(header.strip())
    except ValueError:
        return None
    return float(value) if value >= 0 else None
