"""What `diff artifact` compares: the layer bytes first, then the tar stream inside, bounded."""

from __future__ import annotations

import gzip
from pathlib import Path

from reflow.engines.oci import Descriptor, build_layer, ignore_matcher, same_layer, tar_digest


def _layer(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.yaml").write_text("kind: ConfigMap\n")
    return source, tmp_path / "layer.tgz"


def test_same_layer_wants_equal_digest_and_size(tmp_path: Path) -> None:
    source, target = _layer(tmp_path)
    layer = build_layer(source, target, ignore_matcher([]))
    descriptor = Descriptor(media_type="x", digest=layer.digest, size=layer.size)
    assert same_layer(layer, descriptor)
    assert not same_layer(layer, Descriptor(media_type="x", digest=layer.digest, size=layer.size + 1))
    assert not same_layer(layer, Descriptor(media_type="x", digest="sha256:" + "0" * 64, size=layer.size))


def test_tar_digest_sees_the_same_stream_through_another_compression(tmp_path: Path) -> None:
    source, target = _layer(tmp_path)
    layer = build_layer(source, target, ignore_matcher([]))
    stream = gzip.decompress(target.read_bytes())
    other = tmp_path / "other.tgz"
    other.write_bytes(gzip.compress(stream, compresslevel=1, mtime=12345))
    assert other.read_bytes() != target.read_bytes()
    assert len(stream) == layer.tar_size
    assert tar_digest(other, layer.tar_size) == layer.diff_id


def test_tar_digest_stops_past_the_limit_and_on_bytes_that_are_not_gzip(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (8 << 20)))
    assert tar_digest(bomb, 1 << 20) is None
    plain = tmp_path / "plain"
    plain.write_bytes(b"kind: ConfigMap\n")
    assert tar_digest(plain, 1 << 20) is None
