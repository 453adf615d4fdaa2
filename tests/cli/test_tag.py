"""`reflow tag artifact` against the loopback registries: the same manifest under new tags, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.engines.oci import Reference, Repository
from tests.cli.artifacts import auth_env, client, creds, push_tree, tree
from tests.cli.runner import Outcome, run_reflow
from tests.registries import Registry


async def tag(*args: str, env: dict[str, str] | None = None) -> Outcome:
    return await run_reflow("tag", "artifact", *args, env=env)


async def digests(registry: Registry, repository: str, tags: list[str]) -> set[str]:
    async with client(registry, repository) as registry_client:
        return {await registry_client.resolve(Reference(Repository(registry.host, repository), tag=t)) for t in tags}


async def test_every_tag_points_at_the_same_manifest(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    url = f"{registry.oci_url(registry_repository)}:v1.0.0"
    digest = await push_tree(url, tree(tmp_path / "src"))

    result = await tag(url, "--tag", "latest", "--tag=stable,prod")

    assert result.code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "► tagging artifact",
        f"✔ artifact tagged as {registry.host}/{registry_repository}:latest",
        f"✔ artifact tagged as {registry.host}/{registry_repository}:stable",
        f"✔ artifact tagged as {registry.host}/{registry_repository}:prod",
    ]
    assert await digests(registry, registry_repository, ["v1.0.0", "latest", "stable", "prod"]) == {digest}


async def test_an_unknown_tag_is_named_and_nothing_is_tagged(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    await push_tree(f"{registry.oci_url(registry_repository)}:v1", tree(tmp_path / "src"))
    result = await tag(f"{registry.oci_url(registry_repository)}:v9", "--tag", "latest")
    assert result.code == 1
    assert f"tagging artifact failed: '{registry.host}/{registry_repository}:v9' not found" in result.stderr
    assert "artifact tagged" not in result.stderr


async def test_tag_credentials_are_needed_checked_and_never_printed(
    auth_registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    env = auth_env(auth_registry, tmp_path)
    url = f"{auth_registry.oci_url(registry_repository)}:v1"
    digest = await push_tree(url, tree(tmp_path / "src"), creds(auth_registry), env=env)

    refused = await tag(url, "--tag=latest", f"--creds={auth_registry.username}:wrong-password", env=env)
    assert refused.code == 1
    assert "refused the credentials of user 'reflow'" in refused.stderr
    assert "wrong-password" not in refused.stdout + refused.stderr

    anonymous = await tag(url, "--tag=latest", env=env)
    assert anonymous.code == 1
    assert "wants credentials and none were given" in anonymous.stderr

    accepted = await tag(url, "--tag=latest", creds(auth_registry), env=env)
    assert accepted.code == 0, accepted.stderr
    assert str(auth_registry.password) not in accepted.stdout + accepted.stderr
    assert await digests(auth_registry, registry_repository, ["latest"]) == {digest}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "--tag is required", id="no-tag"),
        pytest.param(["--tag", "-bad"], "tag '-bad' is invalid", id="invalid-tag"),
        pytest.param(["--tag", "x", "--creds", "token-only"], "--creds must be <username>:<password>", id="creds"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(args: list[str], message: str) -> None:
    result = await tag("oci://127.0.0.1:1/app:v1", *args)
    assert result.code == 2
    assert message in result.stderr
