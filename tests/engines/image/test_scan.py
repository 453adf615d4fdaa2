"""ImageRepository scan decisions with plain data: canonical names, exclusions, the sample, when to scan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reflow.engines.image.extract import InvalidPattern
from reflow.engines.image.scan import canonical_name, excluded, latest_tags, scan_reason

NOW = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("registry", "path", "expected"),
    [
        pytest.param("index.docker.io", "alpine", "docker.io/library/alpine", id="official-image"),
        pytest.param("docker.io", "stefanprodan/podinfo", "docker.io/stefanprodan/podinfo", id="hub-user-image"),
        pytest.param("ghcr.io", "org/app", "ghcr.io/org/app", id="other-registry"),
        pytest.param("127.0.0.1:5000", "app", "127.0.0.1:5000/app", id="port"),
    ],
)
def test_canonical_name_spells_out_docker_hub(registry: str, path: str, expected: str) -> None:
    assert canonical_name(registry, path) == expected


def test_default_exclusion_drops_signature_tags_only() -> None:
    assert excluded(["1.0.0", "sha256-abc.sig", "1.1.0", "sig"], [r"^.*\.sig$"]) == ["1.0.0", "1.1.0", "sig"]


def test_a_bad_exclusion_pattern_is_named() -> None:
    with pytest.raises(InvalidPattern, match=r"spec.exclusionList: invalid regular expression pattern '\(x'"):
        excluded(["1"], ["(x"])


def test_latest_tags_are_the_ten_greatest_strings() -> None:
    tags = [f"1.{n}" for n in range(12)]
    assert latest_tags(tags) == ["1.9", "1.8", "1.7", "1.6", "1.5", "1.4", "1.3", "1.2", "1.11", "1.10"]


BASE = {"now": NOW, "interval": 600.0, "requested": False, "name_changed": False, "exclusions_changed": False,
        "stored": True}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"last_scan": None}, "first scan", id="never"),
        pytest.param({"requested": True}, "reconcile requested", id="requested"),
        pytest.param({"name_changed": True}, "new image name", id="image"),
        pytest.param({"exclusions_changed": True}, "updated exclusion list", id="exclusions"),
        pytest.param({"stored": False}, "no tags in storage", id="storage-lost"),
        pytest.param({"last_scan": NOW - timedelta(minutes=10)}, "triggered by interval", id="due"),
        pytest.param({}, None, id="recent-scan-stands"),
    ],
)
def test_scan_reason(changes: dict[str, object], expected: str | None) -> None:
    arguments = {**BASE, "last_scan": NOW - timedelta(minutes=1), **changes}
    assert scan_reason(**arguments) == expected  # type: ignore[arg-type]
