"""`reflow diff artifact` against the loopback registries: Flux's messages and exit codes, ignore rules, and
an artifact whose gzip bytes differ (as `flux push` writes them) for the same files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from reflow.engines.oci import Reference, Repository
from tests.cli.artifacts import auth_env, client, creds, push_tree, tree, upload_layer
from tests.cli.runner import Outcome, run_reflow
from tests.registries import Registry

DIFFERS = "✗ the remote artifact contents differs from the local one"
SAME = "✔ no changes detected"


async def diff(*args: str, env: dict[str, str] | None = None) -> Outcome:
    return await run_reflow("diff", "artifact", *args, env=env)


async def test_same_files_then_a_change(registry: Registry, registry_repository: str, tmp_path: Path) -> None:
    url = f"{registry.oci_url(registry_repository)}:v1"
    source = tree(tmp_path / "src")
    await push_tree(url, source)

    same = await diff(url, f"--path={source}")
    assert (same.code, same.stderr.strip()) == (0, SAME)

    (source / "deploy" / "logo.png").write_text("another png")  # left out by the default ignore rules
    assert (await diff(url, f"--path={source}")).code == 0

    (source / "deploy" / "app.yaml").write_text("kind: Secret\n")
    changed = await diff(url, f"--path={source}")
    assert (changed.code, changed.stderr.strip()) == (1, DIFFERS)

    ignoring = await diff(url, f"--path={source}", "--add-ignore-paths=deploy/app.yaml")
    assert ignoring.code == 1  # the artifact has deploy/app.yaml; leaving it out locally is a difference


async def test_the_same_tar_stream_compressed_otherwise_is_no_change(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    source = tree(tmp_path / "src")
    url = f"{registry.oci_url(registry_repository)}:v1"
    await push_tree(url, source)
    async with client(registry, registry_repository) as registry_client:
        _, manifest = await registry_client.image_manifest(
            Reference(Repository(registry.host, registry_repository), tag="v1")
        )
        await registry_client.download_blob(manifest.layers[0], tmp_path / "layer.tgz", max_size=1 << 20)
    stream = gzip.decompress((tmp_path / "layer.tgz").read_bytes())
    other = f"{registry.oci_url(registry_repository)}:recompressed"
    await upload_layer(registry, other, gzip.compress(stream, compresslevel=9, mtime=1), {})

    same = await diff(other, f"--path={source}")
    assert (same.code, same.stderr.strip()) == (0, SAME)

    (source / "README.md").write_text("changed\n")
    assert (await diff(other, f"--path={source}")).code == 1


async def test_an_unknown_tag_is_named(registry: Registry, registry_repository: str, tmp_path: Path) -> None:
    source = tree(tmp_path / "src")
    await push_tree(f"{registry.oci_url(registry_repository)}:v1", source)
    result = await diff(f"{registry.oci_url(registry_repository)}:v9", f"--path={source}")
    assert result.code == 1
    assert f"diffing artifact failed: '{registry.host}/{registry_repository}:v9' not found" in result.stderr


async def test_diff_credentials_are_needed_checked_and_never_printed(
    auth_registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    env = auth_env(auth_registry, tmp_path)
    url = f"{auth_registry.oci_url(registry_repository)}:v1"
    source = tree(tmp_path / "src")
    await push_tree(url, source, creds(auth_registry), env=env)

    refused = await diff(url, f"--path={source}", f"--creds={auth_registry.username}:wrong-password", env=env)
    assert refused.code == 1
    assert "refused the credentials of user 'reflow'" in refused.stderr
    assert "wrong-password" not in refused.stdout + refused.stderr

    accepted = await diff(url, f"--path={source}", creds(auth_registry), env=env)
    assert (accepted.code, accepted.stderr.strip()) == (0, SAME)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], 'invalid path ""', id="no-path"),
        pytest.param(["--path=/nonexistent"], "invalid path '/nonexistent', must point to an existing", id="missing"),
        pytest.param(["--path=.", "--provider=azure"], "cloud identity", id="provider"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(args: list[str], message: str) -> None:
    result = await diff("oci://127.0.0.1:1/app:v1", *args)
    assert result.code == 2
    assert message in result.stderr
