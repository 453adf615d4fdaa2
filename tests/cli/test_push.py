"""`reflow push artifact` against the loopback registries: Flux's format, reproducible digests, credentials."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from reflow.engines.oci import parse_reference
from tests.cli.artifacts import REVISION, SOURCE, client, tree
from tests.cli.runner import Outcome, run_reflow
from tests.registries import Registry


async def push(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Outcome:
    return await run_reflow("push", "artifact", *args, env=env, stdin=stdin)


async def pulled(url: str, registry: Registry, tmp_path: Path) -> tuple[dict[str, str], list[str], str]:
    """The manifest annotations, the layer's member names and the config media type of a pushed artifact."""
    reference = parse_reference(url)
    async with client(registry, reference.repository.path) as registry_client:
        _, manifest, _ = await registry_client.get_manifest(reference)
        assert len(manifest.layers) == 1
        assert manifest.config is not None
        layer = manifest.layers[0]
        assert layer.media_type == "application/vnd.cncf.flux.content.v1.tar+gzip"
        await registry_client.download_blob(layer, tmp_path / "layer.tgz", max_size=1 << 20)
    with tarfile.open(fileobj=io.BytesIO((tmp_path / "layer.tgz").read_bytes())) as archive:
        names = archive.getnames()
    return dict(manifest.annotations), names, manifest.config.media_type


async def test_reproducible_pushes_keep_the_digest_and_carry_flux_annotations(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    url = f"{registry.oci_url(registry_repository)}:v1.0.0"
    source = tree(tmp_path / "src")
    args = (url, f"--path={source}", f"--source={SOURCE}", f"--revision={REVISION}", "--reproducible", "-o", "json")
    first = await push(*args, "--annotations=org.opencontainers.image.licenses=Apache-2.0")
    assert first.code == 0, first.stderr
    info = json.loads(first.stdout)
    assert list(info) == ["url", "repository", "tag", "digest"]
    assert info["repository"] == f"{registry.host}/{registry_repository}"
    assert info["tag"] == "v1.0.0"
    assert info["url"] == f"oci://{info['repository']}@{info['digest']}"
    second = await push(*args, "--annotations=org.opencontainers.image.licenses=Apache-2.0")
    assert json.loads(second.stdout)["digest"] == info["digest"]

    annotations, names, config_type = await pulled(url, registry, tmp_path)
    assert annotations == {
        "org.opencontainers.image.created": "1970-01-01T00:00:00Z",
        "org.opencontainers.image.source": SOURCE,
        "org.opencontainers.image.revision": REVISION,
        "org.opencontainers.image.licenses": "Apache-2.0",
    }
    assert config_type == "application/vnd.cncf.flux.config.v1+json"
    assert names == [".", "README.md", "deploy", "deploy/app.yaml"]  # .git/ and *.png left out by default


async def test_pushes_without_reproducible_keep_the_layer_and_stamp_the_time(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    url = f"{registry.oci_url(registry_repository)}:latest"
    source = tree(tmp_path / "src")
    result = await push(url, "-f", str(source), "--source", SOURCE, "--revision", REVISION, "--ignore-paths=*.md")
    assert result.code == 0, result.stderr
    assert f"artifact successfully pushed to {registry.host}/{registry_repository}@sha256:" in result.stderr
    annotations, names, _ = await pulled(url, registry, tmp_path)
    assert annotations["org.opencontainers.image.created"].endswith("Z")
    assert annotations["org.opencontainers.image.created"] != "1970-01-01T00:00:00Z"
    # --ignore-paths replaced the defaults, as in Flux: only README.md is left out
    assert names == [".", ".git", ".git/HEAD", "deploy", "deploy/app.yaml", "deploy/logo.png"]


async def test_a_single_file_from_stdin(registry: Registry, registry_repository: str, tmp_path: Path) -> None:
    url = f"{registry.oci_url(registry_repository)}:stdin"
    result = await push(url, "-f", "-", "--source", SOURCE, "--revision", REVISION, stdin="kind: List\n\n")
    assert result.code == 0, result.stderr
    _, names, _ = await pulled(url, registry, tmp_path)
    assert names == [".", "stdin.yaml"]


async def test_resolve_symlinks_packs_what_links_point_to(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    url = f"{registry.oci_url(registry_repository)}:links"
    (tmp_path / "shared.yaml").write_text("kind: ConfigMap\n")
    source = tmp_path / "src"
    source.mkdir()
    (source / "shared.yaml").symlink_to(tmp_path / "shared.yaml")
    result = await push(url, f"--path={source}", f"--source={SOURCE}", f"--revision={REVISION}", "--resolve-symlinks")
    assert result.code == 0, result.stderr
    _, names, _ = await pulled(url, registry, tmp_path)
    assert names == [".", "shared.yaml"]


async def test_credentials_from_creds_or_the_docker_config_and_never_printed(
    auth_registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    assert auth_registry.ca is not None
    env = {"SSL_CERT_FILE": str(auth_registry.ca), "DOCKER_CONFIG": str(tmp_path / "empty")}
    url = f"{auth_registry.oci_url(registry_repository)}:v1"
    source = tree(tmp_path / "src")
    common = (url, f"--path={source}", f"--source={SOURCE}", f"--revision={REVISION}")

    refused = await push(*common, f"--creds={auth_registry.username}:wrong-password", env=env)
    assert refused.code == 1
    assert "refused the credentials of user 'reflow'" in refused.stderr
    assert "wrong-password" not in refused.stdout + refused.stderr

    anonymous = await push(*common, env=env)
    assert anonymous.code == 1
    assert "wants credentials and none were given" in anonymous.stderr

    accepted = await push(*common, f"--creds={auth_registry.username}:{auth_registry.password}", env=env)
    assert accepted.code == 0, accepted.stderr
    assert str(auth_registry.password) not in accepted.stdout + accepted.stderr

    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "config.json").write_bytes(auth_registry.docker_config())
    from_config = await push(*common, env={**env, "DOCKER_CONFIG": str(tmp_path / "docker")})
    assert from_config.code == 0, from_config.stderr
    await pulled(url, auth_registry, tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--path=.", f"--revision={REVISION}"], "--source is required", id="no-source"),
        pytest.param(["--path=.", f"--source={SOURCE}"], "--revision is required", id="no-revision"),
        pytest.param([f"--source={SOURCE}", f"--revision={REVISION}"], 'invalid path ""', id="no-path"),
        pytest.param(
            ["--path=/nonexistent", f"--source={SOURCE}", f"--revision={REVISION}"],
            "invalid path '/nonexistent', must point to an existing directory or file",
            id="missing-path",
        ),
        pytest.param(
            ["--path=.", f"--source={SOURCE}", f"--revision={REVISION}", "-a", "novalue"],
            "invalid annotation novalue, must be in the format key=value",
            id="annotation",
        ),
        pytest.param(
            ["--path=.", f"--source={SOURCE}", f"--revision={REVISION}", "--provider=aws"],
            "cloud identity is not available in this build",
            id="provider",
        ),
        pytest.param(
            ["--path=.", f"--source={SOURCE}", f"--revision={REVISION}", "--creds=token-only"],
            "--creds must be <username>:<password>",
            id="creds-format",
        ),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(args: list[str], message: str) -> None:
    result = await push("oci://127.0.0.1:1/app:v1", *args)
    assert result.code == 2
    assert message in result.stderr


async def test_an_unreachable_registry_is_named(tmp_path: Path) -> None:
    result = await push(
        "oci://127.0.0.1:1/app:v1", f"--path={tree(tmp_path)}", f"--source={SOURCE}", f"--revision={REVISION}"
    )
    assert result.code == 1
    assert "pushing artifact failed: '127.0.0.1:1/app': cannot reach the registry at '127.0.0.1:1'" in result.stderr
