"""The API server's requests to retry: which answers are retried, and after how long."""

from __future__ import annotations

import pytest

from reflow.kube.retry import LONGEST_WAIT, retry_after


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        pytest.param(429, {}, 1.0, id="429-without-header-waits-a-second"),
        pytest.param(429, {"Retry-After": "3"}, 3.0, id="429-waits-as-told"),
        pytest.param(429, {"Retry-After": "0"}, 0.0, id="429-zero-retries-at-once"),
        pytest.param(429, {"Retry-After": "86400"}, LONGEST_WAIT, id="429-long-delay-is-capped"),
        pytest.param(429, {"Retry-After": "soon"}, 1.0, id="429-unreadable-header-waits-a-second"),
        pytest.param(503, {"Retry-After": "2"}, 2.0, id="503-with-header-is-retried"),
        pytest.param(500, {"Retry-After": "-4"}, None, id="5xx-negative-header-is-final"),
        pytest.param(503, {}, None, id="503-without-header-is-final"),
        pytest.param(409, {"Retry-After": "1"}, None, id="conflict-is-final"),
        pytest.param(404, {}, None, id="not-found-is-final"),
    ],
)
def test_retry_after_follows_client_go(status: int, headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(status, headers) == expected
