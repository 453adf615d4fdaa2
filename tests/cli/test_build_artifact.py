"""`reflow build artifact`: the tarball `reflow push artifact` uploads, Flux's ignore rules, stdin, bad input."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from reflow.engines.oci import Reference, Repository
from tests.cli.artifacts import client, push_tree, tree
from tests.cli.runner import Outcome, run_reflow
from tests.registries import Registry


async def build(*args: str, stdin: str | None = None) -> Outcome:
    return await run_reflow("build", "artifact", *args, stdin=stdin)


def names(archive: Path) -> list[str]:
    with tarfile.open(archive) as opened:
        return opened.getnames()


async def test_the_tarball_is_the_layer_push_uploads(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    source = tree(tmp_path / "src")
    output = tmp_path / "artifact.tgz"

    result = await build("--path", str(source), "--output", str(output))

    assert result.code == 0, result.stderr
    assert result.stderr.splitlines() == [f"► building artifact from {source}", f"✔ artifact created at {output}"]
    assert names(output) == [".", "README.md", "deploy", "deploy/app.yaml"]  # .git/ and *.png left out by default
    await push_tree(f"{registry.oci_url(registry_repository)}:v1", source)
    async with client(registry, registry_repository) as registry_client:
        reference = Reference(Repository(registry.host, registry_repository), tag="v1")
        _, manifest = await registry_client.image_manifest(reference)
        await registry_client.download_blob(manifest.layers[0], tmp_path / "pushed.tgz", max_size=1 << 20)
    assert (tmp_path / "pushed.tgz").read_bytes() == output.read_bytes()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(
            ["--ignore-paths=*.md"],
            [".", ".git", ".git/HEAD", "deploy", "deploy/app.yaml", "deploy/logo.png"],
            id="replace-the-defaults",
        ),
        pytest.param(["--add-ignore-paths=deploy/"], [".", "README.md"], id="added-to-the-defaults"),
        pytest.param(
            ["--ignore-paths=.git/,*.png", "--add-ignore-paths=*.md"], [".", "deploy", "deploy/app.yaml"], id="both"
        ),
    ],
)
async def test_ignore_paths_replace_and_add_paths_extend_the_defaults(
    tmp_path: Path, flags: list[str], expected: list[str]
) -> None:
    output = tmp_path / "out.tgz"
    result = await build("-p", str(tree(tmp_path / "src")), "-o", str(output), *flags)
    assert result.code == 0, result.stderr
    assert names(output) == expected


async def test_one_file_from_stdin_and_the_default_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = await build("-p", "-", stdin="kind: List\n\n")
    assert result.code == 0, result.stderr
    assert "✔ artifact created at artifact.tgz" in result.stderr
    with tarfile.open(tmp_path / "artifact.tgz") as opened:
        assert opened.getnames() == [".", "stdin.yaml"]
        staged = opened.extractfile("stdin.yaml")
        assert staged is not None
        assert staged.read() == b"kind: List"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param([], 2, 'invalid path ""', id="no-path"),
        pytest.param(["-p", "/nonexistent"], 2, "invalid path '/nonexistent', must point to an existing", id="missing"),
        pytest.param(["-p", ".", "-o", "/nonexistent/a.tgz"], 1, "building artifact failed, error:", id="output"),
    ],
)
async def test_bad_input_is_refused(args: list[str], code: int, message: str) -> None:
    result = await build(*args)
    assert result.code == code
    assert message in result.stderr


async def test_links_are_left_out_unless_resolved(tmp_path: Path) -> None:
    (tmp_path / "shared.yaml").write_text("kind: ConfigMap\n")
    source = tmp_path / "src"
    source.mkdir()
    (source / "own.yaml").write_text("kind: Service\n")
    (source / "shared.yaml").symlink_to(tmp_path / "shared.yaml")
    (source / "gone.yaml").symlink_to(tmp_path / "missing.yaml")

    plain = await build("-p", str(source), "-o", str(tmp_path / "plain.tgz"))
    assert plain.code == 0, plain.stderr
    assert names(tmp_path / "plain.tgz") == [".", "own.yaml"]

    broken = await build("-p", str(source), "-o", str(tmp_path / "broken.tgz"), "--resolve-symlinks")
    assert broken.code == 1
    assert "resolving symlinks failed: cannot resolve the link" in broken.stderr

    (source / "gone.yaml").unlink()
    resolved = await build("-p", str(source), "-o", str(tmp_path / "resolved.tgz"), "--resolve-symlinks")
    assert resolved.code == 0, resolved.stderr
    assert names(tmp_path / "resolved.tgz") == [".", "own.yaml", "shared.yaml"]
