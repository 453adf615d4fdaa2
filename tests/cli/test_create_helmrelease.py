"""`reflow create helmrelease --export`: byte for byte as Flux's golden files, and Flux's flag errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli.runner import TESTDATA, Reflow

# The flags of fluxcd/flux2 cmd/flux/create_helmrelease_test.go for each golden file (`-n` fills `{{ .fluxns }}`).
GOLDEN = [
    pytest.param(["--source", "Helmrepository/podinfo", "--chart", "podinfo"], "basic.yaml", id="chart-template"),
    pytest.param(["--chart-ref", "OCIRepository/podinfo"], "or_basic.yaml", id="oci-repository"),
    pytest.param(["--chart-ref", "HelmChart/podinfo"], "hc_basic.yaml", id="helm-chart"),
]


@pytest.mark.parametrize(("args", "golden"), GOLDEN)
async def test_export_matches_flux_golden_file(reflow: Reflow, args: list[str], golden: str) -> None:
    result = await reflow("create", "helmrelease", "podinfo", *args, "--interval=1m0s", "--export", "-n", "flux-ns",
                          namespaced=False)  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.stdout == (TESTDATA / "create_hr" / golden).read_text().replace("{{ .fluxns }}", "flux-ns")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "chart or chart-ref is required", id="no-chart"),
        pytest.param(
            ["--chart", "podinfo", "--chart-ref", "foobar/podinfo"],
            "cannot use --chart in combination with --chart-ref",
            id="both",
        ),
        pytest.param(
            ["--source", "foobar/podinfo", "--chart", "podinfo"],
            'invalid argument "foobar/podinfo" for "--source" flag: source kind \'foobar\' is not '
            "supported, must be one of: HelmRepository, GitRepository, Bucket",
            id="source-kind",
        ),
        pytest.param(
            ["--chart-ref", "foobar/podinfo"],
            "chart reference kind 'foobar' is not supported, must be one of: OCIRepository, HelmChart",
            id="chart-ref-kind",
        ),
    ],
)
async def test_flag_errors_use_fluxs_words(reflow: Reflow, args: list[str], message: str) -> None:
    result = await reflow("create", "helmrelease", "podinfo", *args, "--export")
    assert result.code == 2
    assert message in " ".join(result.stderr.split())


async def test_every_flag_lands_in_the_spec(reflow: Reflow, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("image: {tag: '1'}\nreplicas: 1\n")
    (tmp_path / "b.yaml").write_text("image: {pull: Always}\nreplicas: 2\n")
    result = await reflow(
        "create", "hr", "podinfo", "--source=HelmRepository/charts.flux-system", "--chart=podinfo",
        "--chart-version=>4.0.0", "--chart-interval=5m", "--release-name=web", "--depends-on=infra/db",
        "--target-namespace=apps", "--create-target-namespace", "--service-account=deployer", "--crds=CreateReplace",
        f"--values={tmp_path / 'a.yaml'}", f"--values={tmp_path / 'b.yaml'}", "--values-from=Secret/extra.values",
        "--label=team=web", "--export",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    [hr] = list(yaml.safe_load_all(result.stdout))
    assert hr["metadata"]["labels"] == {"team": "web"}
    spec = hr["spec"]
    assert spec["chart"]["spec"] == {
        "chart": "podinfo", "version": ">4.0.0", "interval": "5m0s", "reconcileStrategy": "ChartVersion",
        "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"},
    }  # fmt: skip
    assert spec["releaseName"] == "web"
    assert spec["dependsOn"] == [{"name": "db", "namespace": "infra"}]
    assert spec["targetNamespace"] == "apps"
    assert spec["install"] == {"createNamespace": True, "crds": "Create"}
    assert spec["upgrade"] == {"crds": "CreateReplace"}
    assert spec["serviceAccountName"] == "deployer"
    assert spec["values"] == {"image": {"tag": "1", "pull": "Always"}, "replicas": 2}
    assert spec["valuesFrom"] == [{"kind": "Secret", "name": "extra.values"}]
