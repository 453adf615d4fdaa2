"""`helm package` through the Packager: the real helm, confined by bubblewrap here, no network, clean env."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reflow.dev.gobuild import binary
from reflow.engines.helmchart import ChartPackageError, Packager, read_chart_archive
from tests.gitservers import run


def helm_create(folder: Path) -> Path:
    run(binary("helm"), "create", folder)
    return folder


async def test_a_chart_folder_is_packaged_at_the_given_version_in_bubblewrap(tmp_path: Path) -> None:
    packager = Packager(binary("helm"))
    data = await packager.package(helm_create(tmp_path / "web"), "1.2.3+abc", max_size=1 << 20)
    assert packager.confined is True  # bubblewrap works on the test machines (see scripts/system-packages.sh)
    meta = read_chart_archive(data)
    assert (meta.name, meta.version) == ("web", "1.2.3+abc")


async def test_helm_refuses_a_chart_whose_dependency_is_missing_and_a_package_over_the_limit(tmp_path: Path) -> None:
    packager = Packager(binary("helm"))
    chart = helm_create(tmp_path / "web")
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    meta["dependencies"] = [{"name": "db", "version": "1.x", "repository": "https://charts.example.com"}]
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
    with pytest.raises(ChartPackageError, match=r"helm package failed: .*missing in charts/ directory: db"):
        await packager.package(chart, "0.1.0", max_size=1 << 20)
    plain = helm_create(tmp_path / "plain")
    with pytest.raises(ChartPackageError, match="more than the limit of 100"):
        await packager.package(plain, "0.1.0", max_size=100)


async def test_without_bubblewrap_helm_still_packages_with_a_clean_environment(tmp_path: Path) -> None:
    packager = Packager(binary("helm"), bwrap=tmp_path / "no-bwrap")
    data = await packager.package(helm_create(tmp_path / "web"), "0.2.0", max_size=1 << 20)
    assert packager.confined is False
    assert read_chart_archive(data).version == "0.2.0"
