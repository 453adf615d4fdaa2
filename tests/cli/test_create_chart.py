"""`reflow create source chart`: `--export` byte-equal to Flux's golden files, Flux's flag errors, and a chart
created, pulled and verified by the real controller."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reflow.api.meta import ObjectRef
from reflow.cli.main import cli
from reflow.kube.client import Kube
from tests.cli.runner import TESTDATA, Reflow
from tests.controllers.source.gitrepositories import secret
from tests.controllers.source.test_helmchart_oci import push_chart
from tests.controllers.source.test_helmchart_verify import sign_chart
from tests.controllers.source.test_helmrepository import helm_repository
from tests.cosigner import KeyPair, generate_key_pair
from tests.managers import StartControllers
from tests.registries import Registry

BASIC = ["podinfo", "--source", "helmrepository/podinfo", "--chart", "podinfo"]
CHART = ("source.toolkit.fluxcd.io/v1", "HelmChart")


def export(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["create", "source", "chart", *args, "--export"], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# The flags of fluxcd/flux2 cmd/flux/create_source_chart_test.go for each golden file. Flux's test resets its
# flags to zero values, hence `--interval=0s`; `-n` fills `{{ .fluxns }}`.
@pytest.mark.parametrize(
    ("args", "golden"),
    [
        pytest.param([], "basic.yaml", id="basic"),
        pytest.param(["--verify-provider", "cosign"], "verify_basic.yaml", id="verify-basic"),
        pytest.param(
            ["--verify-provider", "cosign", "--verify-issuer", "foo", "--verify-subject", "bar"],
            "verify_complete.yaml",
            id="verify-complete",
        ),
    ],
)
def test_export_matches_the_flux_golden_file_byte_for_byte(args: list[str], golden: str) -> None:
    code, stdout, stderr = export(*BASIC, *args, "--interval=0s", "-n", "flux-ns")
    assert code == 0, stderr
    expected = (TESTDATA / "create_source_chart" / golden).read_text().replace("{{ .fluxns }}", "flux-ns")
    assert stdout == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["podinfo"], "chart source is required", id="no-source"),
        pytest.param(
            ["podinfo", "--source", "helmrepository/podinfo"], "chart name or path is required", id="no-chart"
        ),
        pytest.param(
            ["podinfo", "--source", "foobar/podinfo"],
            'invalid argument "foobar/podinfo" for "--source" flag: source kind \'foobar\' is not supported, '
            "must be one of: HelmRepository, GitRepository, Bucket",
            id="source-kind",
        ),
        pytest.param(
            ["podinfo", "--source", "podinfo", "--chart", "podinfo"],
            "invalid helm chart source 'podinfo', must be in format <kind>/<name>",
            id="source-format",
        ),
        pytest.param(
            [*BASIC, "--verify-provider", "foobar"],
            'invalid argument "foobar" for "--verify-provider" flag: source OCI verify provider \'foobar\' is not '
            "supported, must be one of: cosign",
            id="verify-provider",
        ),
        pytest.param(
            [*BASIC, "--verify-secret-ref", "cosign-pub"],
            "a verification provider must be specified when a secret is specified",
            id="verify-secret-without-provider",
        ),
    ],
)
def test_bad_flags_give_flux_messages(args: list[str], message: str) -> None:
    code, _, stderr = export(*args)
    assert code == 2
    assert message in " ".join(stderr.split())


def test_every_flag_lands_in_the_spec() -> None:
    code, stdout, stderr = export(
        "web", "--source=GitRepository/apps", "--chart=./charts/web", "--chart-version=1.x",
        "--reconcile-strategy=Revision", "--values-files=values.yaml,values-prod.yaml", "--values-files=extra.yaml",
        "--verify-provider=cosign", "--verify-secret-ref=cosign-pub", "--label=team=web", "--interval=5m",
    )  # fmt: skip
    assert code == 0, stderr
    [chart] = list(yaml.safe_load_all(stdout))
    assert chart["metadata"]["labels"] == {"team": "web"}
    assert chart["spec"] == {
        "chart": "./charts/web",
        "interval": "5m0s",
        "reconcileStrategy": "Revision",
        "sourceRef": {"kind": "GitRepository", "name": "apps"},
        "valuesFiles": ["values.yaml", "values-prod.yaml", "extra.yaml"],
        "verify": {"provider": "cosign", "secretRef": {"name": "cosign-pub"}},
        "version": "1.x",
    }


@pytest.fixture(scope="session")
def cli_chart_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return generate_key_pair(tmp_path_factory.mktemp("cli-chart-key"))


async def test_create_applies_and_the_controller_pulls_the_verified_chart(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    cli_chart_key: KeyPair,
    tmp_path: Path,
) -> None:
    push_chart(registry, registry_repository, "6.1.0", tmp_path)
    await sign_chart(cli_chart_key, registry, registry_repository, "6.1.0")
    await kube.create(secret(namespace, "cosign-pub", {"cosign.pub": cli_chart_key.public}))
    url = registry.oci_url(registry_repository)
    await kube.create(helm_repository(namespace, "podinfo", url, type="oci", insecure=True))
    await start_controllers("source")
    result = await reflow(
        "create", "source", "chart", "web", "--source=HelmRepository/podinfo", "--chart=web", "--chart-version=6.x",
        "--verify-provider=cosign", "--verify-secret-ref=cosign-pub", "--timeout=60s",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "fetched revision: 6.1.0" in result.stderr
    live = await kube.get(ObjectRef(*CHART, "web", namespace))
    assert live["spec"]["verify"] == {"provider": "cosign", "secretRef": {"name": "cosign-pub"}}
    verified = next(c for c in live["status"]["conditions"] if c["type"] == "SourceVerified")
    assert verified["status"] == "True"
