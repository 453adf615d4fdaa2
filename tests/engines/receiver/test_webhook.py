"""The webhook path is Flux's digest of token, name and namespace; the requestedAt token is Go's time layout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reflow.engines.receiver.webhook import request_token, webhook_path


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        pytest.param(b"s3cr3t", "605dbd4976c3504a20afec155a68122702621389b3b29f71feb118008a1696a1", id="token"),
        pytest.param(b"", "d9c6bac01b84166b25cc5beaa8bc0d10807c6ec7c12e73ee81880689f8ed8538", id="no-token-oidc"),
    ],
)
def test_webhook_path_is_the_sha256_of_token_name_and_namespace(token: bytes, expected: str) -> None:
    # expected: `printf %s "<token>github-receiverflux-system" | sha256sum`
    assert webhook_path(token, "github-receiver", "flux-system") == f"/hook/{expected}"


def test_a_different_namespace_gives_a_different_path() -> None:
    assert webhook_path(b"t", "r", "a") != webhook_path(b"t", "r", "b")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(datetime(2026, 12, 5, 5, 13, 31, 123400, tzinfo=UTC), "2026-12-05 05:13:31.1234 +0000 UTC",
                     id="fraction-trimmed"),
        pytest.param(datetime(2026, 12, 5, 5, 13, 31, tzinfo=UTC), "2026-12-05 05:13:31 +0000 UTC", id="whole-second"),
    ],
)  # fmt: skip
def test_request_token_reads_like_gos_time_string(moment: datetime, expected: str) -> None:
    assert request_token(moment) == expected
