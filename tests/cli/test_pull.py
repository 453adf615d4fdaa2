"""`reflow pull artifact` against the loopback registries: content and metadata, safe extraction, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reflow.engines.oci.manifest import OCI_INDEX
from tests.cli.artifacts import REVISION, SOURCE, auth_env, client, creds, push_tree, tarball, tree, upload_layer
from tests.cli.runner import Outcome, run_reflow
from tests.registries import Registry


async def pull(*args: str, env: dict[str, str] | None = None) -> Outcome:
    return await run_reflow("pull", "artifact", *args, env=env)


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


async def test_pull_unpacks_the_content_keeps_other_files_and_prints_the_metadata(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    url = f"{registry.oci_url(registry_repository)}:v1.0.0"
    digest = await push_tree(url, tree(tmp_path / "src"))
    output = tmp_path / "out"
    output.mkdir()
    (output / "mine.txt").write_text("kept")

    result = await pull(url, "--output", str(output))

    assert result.code == 0, result.stderr
    assert files(output) == {"README.md": b"# config\n", "deploy/app.yaml": b"kind: ConfigMap\n", "mine.txt": b"kept"}
    assert result.stderr.splitlines() == [
        f"► pulling artifact from {registry.host}/{registry_repository}:v1.0.0",
        f"✔ source {SOURCE}",
        f"✔ revision {REVISION}",
        f"✔ digest {registry.host}/{registry_repository}@{digest}",
        f"✔ artifact content extracted to {output}",
    ]


async def test_pull_by_digest(registry: Registry, registry_repository: str, tmp_path: Path) -> None:
    digest = await push_tree(f"{registry.oci_url(registry_repository)}:v1", tree(tmp_path / "src"))
    output = tmp_path / "out"
    output.mkdir()
    result = await pull(f"{registry.oci_url(registry_repository)}@{digest}", "-o", str(output))
    assert result.code == 0, result.stderr
    assert (output / "deploy" / "app.yaml").read_text() == "kind: ConfigMap\n"


async def test_an_index_is_followed_to_its_linux_amd64_manifest(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    url = registry.oci_url(registry_repository)
    digest = await push_tree(f"{url}:v1", tree(tmp_path / "src"))
    async with client(registry, registry_repository, actions="pull,push") as registry_client:
        found = await registry_client.fetch_manifest("v1")
        assert found is not None
        body, media_type = found
        entry = {"mediaType": media_type, "digest": digest, "size": len(body)}
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [{**entry, "platform": {"os": "linux", "architecture": "amd64"}}],
        }
        await registry_client.put_manifest("multi", json.dumps(index).encode(), OCI_INDEX)
    output = tmp_path / "out"
    output.mkdir()

    result = await pull(f"{url}:multi", "-o", str(output))

    assert result.code == 0, result.stderr
    assert f"✔ digest {registry.host}/{registry_repository}@{digest}" in result.stderr
    assert (output / "deploy" / "app.yaml").exists()


async def test_a_layer_that_climbs_out_is_refused_and_nothing_is_written(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    url = f"{registry.oci_url(registry_repository)}:evil"
    await upload_layer(registry, url, tarball({"ok.yaml": b"x", "../escaped.yaml": b"x"}), {})
    output = tmp_path / "out"
    output.mkdir()

    result = await pull(url, "-o", str(output))

    assert result.code == 1
    assert "pulling artifact failed: member '../escaped.yaml' leaves the directory through '..'" in result.stderr
    assert not any(output.iterdir())
    assert not (tmp_path / "escaped.yaml").exists()


async def test_an_unknown_tag_or_repository_is_named(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    await push_tree(f"{registry.oci_url(registry_repository)}:v1", tree(tmp_path / "src"))
    for url in (f"{registry.oci_url(registry_repository)}:v9", f"{registry.oci_url(registry_repository)}-absent:v1"):
        result = await pull(url, "-o", str(tmp_path))
        assert result.code == 1
        assert f"pulling artifact failed: '{url.removeprefix('oci://')}' not found" in result.stderr


async def test_pull_credentials_are_needed_checked_and_never_printed(
    auth_registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    env = auth_env(auth_registry, tmp_path)
    url = f"{auth_registry.oci_url(registry_repository)}:v1"
    await push_tree(url, tree(tmp_path / "src"), creds(auth_registry), env=env)
    output = tmp_path / "out"
    output.mkdir()

    refused = await pull(url, "-o", str(output), f"--creds={auth_registry.username}:wrong-password", env=env)
    assert refused.code == 1
    assert "refused the credentials of user 'reflow'" in refused.stderr
    assert "wrong-password" not in refused.stdout + refused.stderr

    accepted = await pull(url, "-o", str(output), creds(auth_registry), env=env)
    assert accepted.code == 0, accepted.stderr
    assert str(auth_registry.password) not in accepted.stdout + accepted.stderr
    assert (output / "deploy" / "app.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["oci://127.0.0.1:1/app:v1"], "output path cannot be empty", id="no-output"),
        pytest.param(
            ["oci://127.0.0.1:1/app:v1", "-o", "/nonexistent"], 'invalid output path "/nonexistent"', id="dir"
        ),
        pytest.param(["127.0.0.1:1/app:v1", "-o", "."], "URL must be in format 'oci://", id="url"),
        pytest.param(["oci://127.0.0.1:1/app:v1", "-o", ".", "--provider=gcp"], "cloud identity", id="provider"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(args: list[str], message: str) -> None:
    result = await pull(*args)
    assert result.code == 2
    assert message in result.stderr
