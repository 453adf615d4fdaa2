"""`reflow list artifacts` against the loopback registries: Flux's table, order, filters and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.artifacts import REVISION, SOURCE, auth_env, creds, push_tree, tree
from tests.cli.runner import Outcome, lines, run_reflow
from tests.registries import Registry


async def list_artifacts(*args: str, env: dict[str, str] | None = None) -> Outcome:
    return await run_reflow("list", "artifacts", *args, env=env)


@pytest.fixture
async def pushed(registry: Registry, registry_repository: str, tmp_path: Path) -> dict[str, str]:
    """Tags v1.0.0, v1.1.0, latest (another source) and a cosign signature tag, with their digests."""
    source = tree(tmp_path / "src")
    url = registry.oci_url(registry_repository)
    digests = {tag: await push_tree(f"{url}:{tag}", source) for tag in ("v1.0.0", "sha256-abc.sig")}
    (source / "deploy" / "more.yaml").write_text("kind: Secret\n")
    digests["v1.1.0"] = await push_tree(f"{url}:v1.1.0", source)
    digests["latest"] = await push_tree(f"{url}:latest", source, "--source=oci-test", "--revision=v2")
    return digests


def row(url: str, digest: str, source: str = SOURCE, revision: str = REVISION) -> list[str]:
    return [url, digest, source, revision]


async def test_every_tag_but_cosigns_greatest_name_first(
    registry: Registry, registry_repository: str, pushed: dict[str, str]
) -> None:
    url = registry.oci_url(registry_repository)
    address = url.removeprefix("oci://")

    result = await list_artifacts(url)

    assert result.code == 0, result.stderr
    assert [line.split() for line in lines(result.stdout)] == [
        ["ARTIFACT", "DIGEST", "SOURCE", "REVISION"],
        row(f"{address}:v1.1.0", pushed["v1.1.0"]),
        row(f"{address}:v1.0.0", pushed["v1.0.0"]),
        row(f"{address}:latest", pushed["latest"], "oci-test", "v2"),
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(["--filter-semver", ">=1.0.0 <1.1.0"], ["v1.0.0"], id="semver"),
        pytest.param(["--filter-regex", "^v1"], ["v1.1.0", "v1.0.0"], id="regex"),
        pytest.param(["--filter-regex", "^v", "--filter-semver", "~1.1"], ["v1.1.0"], id="both"),
        pytest.param(["--filter-semver", ">=9.0.0"], [], id="nothing"),
    ],
)
async def test_filters(
    registry: Registry, registry_repository: str, pushed: dict[str, str], flags: list[str], expected: list[str]
) -> None:
    result = await list_artifacts(registry.oci_url(registry_repository), *flags)
    assert result.code == 0, result.stderr
    listed = [line.split()[0].rpartition(":")[2] for line in lines(result.stdout)[1:]]
    assert listed == expected


async def test_an_unknown_repository_is_named(registry: Registry, registry_repository: str) -> None:
    result = await list_artifacts(registry.oci_url(f"{registry_repository}-absent"))
    assert result.code == 1
    assert f"listing artifacts failed: repository '{registry.host}/{registry_repository}-absent' not found" in (
        result.stderr
    )


async def test_list_credentials_are_needed_checked_and_never_printed(
    auth_registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    env = auth_env(auth_registry, tmp_path)
    url = auth_registry.oci_url(registry_repository)
    digest = await push_tree(f"{url}:v1", tree(tmp_path / "src"), creds(auth_registry), env=env)

    refused = await list_artifacts(url, f"--creds={auth_registry.username}:wrong-password", env=env)
    assert refused.code == 1
    assert "refused the credentials of user 'reflow'" in refused.stderr
    assert "wrong-password" not in refused.stdout + refused.stderr

    accepted = await list_artifacts(url, creds(auth_registry), env=env)
    assert accepted.code == 0, accepted.stderr
    assert [line.split()[:2] for line in lines(accepted.stdout)[1:]] == [[f"{url.removeprefix('oci://')}:v1", digest]]
    assert str(auth_registry.password) not in accepted.stdout + accepted.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["oci://127.0.0.1:1/app:v1"], "URL must not contain a tag", id="tag"),
        pytest.param(["oci://127.0.0.1:1/app", "--filter-regex", "("], "regex '(' parse error", id="regex"),
        pytest.param(["oci://127.0.0.1:1/app", "--filter-semver", "x y z"], "semver 'x y z' parse error", id="semver"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(args: list[str], message: str) -> None:
    result = await list_artifacts(*args)
    assert result.code == 2
    assert message in result.stderr
