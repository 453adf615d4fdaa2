"""The sync URL bootstrap writes into gotk-sync.yaml, as Flux derives it from --url."""

from __future__ import annotations

import pytest

from reflow.engines.bootstrap import sync_url


@pytest.mark.parametrize(
    ("url", "options", "expected"),
    [
        pytest.param("ssh://git@example.com/fleet.git", {}, "ssh://git@example.com/fleet.git", id="ssh-kept"),
        pytest.param("ssh://me@example.com:2222/f", {}, "ssh://me@example.com:2222/f", id="ssh-own-user-and-port"),
        pytest.param("ssh://me@example.com/f", {"username": "ops"}, "ssh://ops@example.com/f", id="username-wins"),
        pytest.param("https://example.com/org/fleet", {}, "ssh://git@example.com/org/fleet", id="https-syncs-over-ssh"),
        pytest.param(
            "https://example.com/f", {"ssh_hostname": "ssh.example.com:2222"}, "ssh://git@ssh.example.com:2222/f",
            id="ssh-hostname",
        ),
        pytest.param(
            "https://u:p@example.com/f", {"token_auth": True}, "https://example.com/f", id="token-auth-drops-the-user"
        ),
        pytest.param(
            "http://example.com:8080/f", {"token_auth": True}, "https://example.com:8080/f", id="upgrades-http"
        ),
        pytest.param(
            "http://example.com:8080/f", {"token_auth": True, "allow_insecure_http": True},
            "http://example.com:8080/f", id="insecure-http-allowed",
        ),
    ],
)  # fmt: skip
def test_sync_url_follows_the_authentication_the_cluster_uses(
    url: str, options: dict[str, object], expected: str
) -> None:
    given = {"token_auth": False, "username": "git", **options}
    assert sync_url(url, **given) == expected  # type: ignore[arg-type]
