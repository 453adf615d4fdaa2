"""Pull requests through the Gitea API against a loopback stand-in: opened once, reused, refusals named."""

from __future__ import annotations

import pytest

from reflow.engines.forge.gitea import ForgeError, ensure_pull_request, forge_repository
from tests.forgeserver import serve_forge


@pytest.mark.parametrize(
    ("url", "api", "expected"),
    [
        pytest.param(
            "https://gitea.example/org/app.git", None, ("https://gitea.example/api/v1", "org", "app"), id="https"
        ),
        pytest.param("http://127.0.0.1:3000/org/app", None, ("http://127.0.0.1:3000/api/v1", "org", "app"), id="port"),
        pytest.param(
            "ssh://git@gitea.example/org/app.git",
            "https://g/api/v1/",
            ("https://g/api/v1", "org", "app"),
            id="ssh-with-api",
        ),
    ],
)
def test_the_api_is_found_from_the_git_url(url: str, api: str | None, expected: tuple[str, str, str]) -> None:
    found = forge_repository(url, api)
    assert (found.api, found.owner, found.name) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("ssh://git@gitea.example/org/app.git", "set pullRequest.apiURL", id="ssh-without-api"),
        pytest.param("https://gitea.example/app.git", "expected /<owner>/<repository>", id="no-owner"),
    ],
)
def test_urls_that_name_no_api_are_refused(url: str, message: str) -> None:
    with pytest.raises(ForgeError, match=message):
        forge_repository(url)


async def test_a_pull_request_is_opened_once_then_reused() -> None:
    async with serve_forge("s3cret-token") as forge:
        repository = forge_repository("http://git.invalid/org/app.git", forge.api)
        first = await ensure_pull_request(repository, "s3cret-token", head="flux/images", base="main",
                                          title="Update app", body="1.0 -> 1.1")  # fmt: skip
        again = await ensure_pull_request(repository, "s3cret-token", head="flux/images", base="main",
                                          title="Update app", body="1.1 -> 1.2")  # fmt: skip
    assert (first.number, first.created) == (1, True)
    assert (again.number, again.created) == (1, False)
    assert [call[0] for call in forge.calls] == ["GET", "POST", "GET"]
    (pull,) = forge.pulls[("org", "app")]
    assert (pull["title"], pull["body"], pull["head"]["ref"], pull["base"]["ref"]) == (
        "Update app",
        "1.0 -> 1.1",
        "flux/images",
        "main",
    )


async def test_a_refused_token_is_named_and_never_shown() -> None:
    async with serve_forge("right") as forge:
        repository = forge_repository("http://git.invalid/org/app.git", forge.api)
        with pytest.raises(ForgeError, match="HTTP 401: the token was refused") as caught:
            await ensure_pull_request(repository, "wrong-token", head="a", base="b", title="t", body="")
    assert "wrong-token" not in str(caught.value)
