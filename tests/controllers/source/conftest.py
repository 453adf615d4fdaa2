"""Source controller fixtures: an S3 server for Buckets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.s3server import S3Server, seaweedfs


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One SeaweedFS S3 gateway on loopback for the session; each test makes its own buckets."""
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
