"""`reflow build|diff helmrelease`: a local chart rendered with the HelmRelease's values, and its dry-run diff."""

from __future__ import annotations

from pathlib import Path

from reflow.kube.client import Kube
from tests.cli.runner import Reflow
from tests.controllers.helm.charts import helm_cli, make_chart
from tests.manifests import config_map

HR = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  interval: 10m
  chartRef: {{kind: OCIRepository, name: app}}
  values:
    greeting: {greeting}
  valuesFrom:
    - kind: ConfigMap
      name: overrides
      optional: true
"""
POST_RENDERERS = """  postRenderers:
    - kustomize:
        images:
          - name: registry.local/app
            newTag: "2.0"
"""


async def test_build_renders_values_and_post_renderers_without_hooks(reflow: Reflow, tmp_path: Path) -> None:
    chart = make_chart(tmp_path / "charts", "app", "0.1.0")
    (tmp_path / "hr.yaml").write_text(HR.format(greeting="hola") + POST_RENDERERS)
    result = await reflow("build", "helmrelease", "web", "--file", str(tmp_path / "hr.yaml"), "--chart", str(chart),
                          "--dry-run")  # fmt: skip
    assert result.code == 0, result.stderr
    assert 'greeting: "hola"' in result.stdout or "greeting: hola" in result.stdout
    assert "image: registry.local/app:2.0" in result.stdout
    assert "web-check" not in result.stdout


async def test_diff_shows_a_values_change_before_it_is_released(
    reflow: Reflow, kube: Kube, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    chart = make_chart(tmp_path / "charts", "app", "0.1.0")
    helm_cli(kubeconfig, namespace, "install", "web", str(chart), "--set", "greeting=hello", "--wait")
    (tmp_path / "hr.yaml").write_text(HR.format(greeting="hello"))
    same = await reflow("diff", "helmrelease", "web", "--file", str(tmp_path / "hr.yaml"), "--chart", str(chart),
                        "--no-progress-bar")  # fmt: skip
    # The CLI's release lacks only the origin labels reflow's post-render adds; the values are the same.
    assert same.code == 1, same.stdout + same.stderr
    assert "helm.toolkit.fluxcd.io/name: web" in same.stdout
    assert "greeting" not in same.stdout

    await kube.create(config_map(namespace, "overrides", {"values.yaml": "replicas: 2\n"}))
    (tmp_path / "hr.yaml").write_text(HR.format(greeting="bonjour") + POST_RENDERERS)
    changed = await reflow("diff", "helmrelease", "web", "--file", str(tmp_path / "hr.yaml"), "--chart", str(chart),
                           "--no-progress-bar")  # fmt: skip
    assert changed.code == 1, changed.stderr
    assert f"► ConfigMap/{namespace}/web-config drifted" in changed.stdout
    assert "bonjour" in changed.stdout
    assert f"► Deployment/{namespace}/web-app drifted" in changed.stdout
    assert "registry.local/app:2.0" in changed.stdout
