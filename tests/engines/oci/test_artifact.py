"""Flux's artifact format: the tar stream, config and manifest bytes Flux's own code makes.

The expected values were produced by Go: `archive/tar` with the header clean-up of Flux's
`pkg/tar.Tar`, and go-containerregistry v0.21.6 building the image as Flux's `Push` does.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from reflow.engines.oci import (
    CONFIG_MEDIA_TYPE,
    CONTENT_MEDIA_TYPE,
    EMPTY_CONFIG,
    Descriptor,
    artifact_annotations,
    check_created,
    config_descriptor,
    ignore_matcher,
    manifest_bytes,
    write_layer,
)
from reflow.engines.sourceignore import Matcher

GO_TAR_DIGEST = "sha256:521a6490be2f7f59239c09fbdab8c5e8fdc2c33e3f80884dcd0bfb1161fc25e5"
GO_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
    b'"config":{"mediaType":"application/vnd.cncf.flux.config.v1+json","size":115,'
    b'"digest":"sha256:5b943e2b943f6c81dbbd4e2eca5121f4fcc39139e3d1219d6d89bd925b77d9fe"},'
    b'"layers":[{"mediaType":"application/vnd.cncf.flux.content.v1.tar+gzip","size":392,'
    b'"digest":"sha256:ec0adf5422196bbd70d814b3e71f20f3d49f195d0e987c24bb487aa9af289e88"}],'
    b'"annotations":{"org.opencontainers.image.created":"2026-12-04T20:00:00Z",'
    b'"org.opencontainers.image.revision":"main@sha1:abc",'
    b'"org.opencontainers.image.source":"https://example.com/a\\u003cb\\u003e\\u0026c",'
    b'"x.note":"h\xc3\xa9llo\\u2028"}}'
)
LONG_DIR = Path("d" * 60, "e" * 60)


def tree(root: Path) -> Path:
    """Directories, an executable, a name USTAR splits, one only PAX holds, UTF-8, a symlink."""
    files = {
        LONG_DIR / "file.yaml": b"x\n",
        Path("deploy/app.yaml"): b"a: 1\n",
        Path("deploy/run.sh"): b"#!/bin/sh\n",
        Path("f" * 120 + ".yaml"): b"y\n",
        Path("h\u00e9llo.yaml"): b"z\n",
    }
    (root / "empty").mkdir(parents=True)
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(content)
        (root / relative).chmod(0o644)
    for directory in (root, root / LONG_DIR.parent, root / LONG_DIR, root / "deploy"):
        directory.chmod(0o755)
    (root / "deploy/run.sh").chmod(0o755)
    (root / "empty").chmod(0o750)
    os.symlink("deploy/app.yaml", root / "link.yaml")
    return root


def test_the_tar_stream_is_the_one_go_writes_for_flux(tmp_path: Path) -> None:
    source = tree(tmp_path / "src")
    packed = io.BytesIO()
    layer = write_layer(source, packed, Matcher(()))
    plain = gzip.decompress(packed.getvalue())
    assert layer.diff_id == GO_TAR_DIGEST == "sha256:" + hashlib.sha256(plain).hexdigest()
    assert layer.digest == "sha256:" + hashlib.sha256(packed.getvalue()).hexdigest()
    assert layer.size == len(packed.getvalue())
    assert packed.getvalue()[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time


def test_ignore_paths_leave_files_out_and_a_negation_brings_one_back(tmp_path: Path) -> None:
    source = tmp_path / "src"
    for name in ("keep.yaml", "logo.png", ".git/config", "docs/a.md", "docs/b.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(name)
    packed = io.BytesIO()
    write_layer(source, packed, ignore_matcher([".git/", "*.png", "docs/", "!docs/b.md"]))
    packed.seek(0)
    with tarfile.open(fileobj=packed) as archive:
        assert archive.getnames() == [".", "docs/b.md", "keep.yaml"]


def test_a_single_file_is_archived_in_a_directory_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text("a: 1\n")
    (tmp_path / "all.yaml").chmod(0o640)
    packed = io.BytesIO()
    write_layer(tmp_path / "all.yaml", packed, Matcher(()))
    packed.seek(0)
    with tarfile.open(fileobj=packed) as archive:
        assert [(m.name, m.mode, m.isdir()) for m in archive.getmembers()] == [
            (".", 0o700, True),
            ("all.yaml", 0o640, False),
        ]


def test_the_manifest_and_config_are_byte_equal_to_go_containerregistry() -> None:
    layer = Descriptor(
        media_type=CONTENT_MEDIA_TYPE,
        digest="sha256:ec0adf5422196bbd70d814b3e71f20f3d49f195d0e987c24bb487aa9af289e88",
        size=392,
    )
    notes = artifact_annotations(
        source="https://example.com/a<b>&c",
        revision="main@sha1:abc",
        created="2026-12-04T20:00:00Z",
        extra={"x.note": "h\u00e9llo\u2028"},
    )
    assert manifest_bytes(layer, notes) == GO_MANIFEST
    assert config_descriptor().media_type == CONFIG_MEDIA_TYPE
    assert config_descriptor().digest == "sha256:" + hashlib.sha256(EMPTY_CONFIG).hexdigest()


def test_annotations_may_replace_created_source_and_revision() -> None:
    notes = artifact_annotations(
        source="s", revision="r", created="2026-01-01T00:00:00Z", extra={"org.opencontainers.image.created": ""}
    )
    assert notes["org.opencontainers.image.created"] == "2026-01-01T00:00:00Z"
    notes = artifact_annotations(source="s", revision="r", created="c", extra={"org.opencontainers.image.source": "t"})
    assert notes["org.opencontainers.image.source"] == "t"


@pytest.mark.parametrize("value", ["yesterday", "2026-01-01", ""])
def test_created_must_be_rfc3339(value: str) -> None:
    with pytest.raises(ValueError, match="must be RFC 3339"):
        check_created(value)
