"""The bench's chart renders, with the real helm, to a Deployment, a Service and a ConfigMap named after the release."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from bench.charts import CHART, chart_files

from reflow.dev.gobuild import binary


def test_chart_files_describe_the_named_chart_at_its_version() -> None:
    files = chart_files("demo", "2.3.4")
    chart = yaml.safe_load(files["Chart.yaml"])
    assert (chart["apiVersion"], chart["name"], chart["version"]) == ("v2", "demo", "2.3.4")
    assert sorted(path for path in files if path.startswith("templates/")) == [
        "templates/configmap.yaml",
        "templates/deployment.yaml",
        "templates/service.yaml",
    ]


def test_helm_renders_the_three_objects_of_a_release(tmp_path: Path) -> None:
    for relative, text in chart_files().items():
        path = tmp_path / CHART / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = subprocess.run(
        [str(binary("helm")), "template", "app-007", str(tmp_path / CHART)],
        capture_output=True,
        text=True,
        check=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert {(o["kind"], o["metadata"]["name"]) for o in objects} == {
        ("Deployment", "app-007"),
        ("Service", "app-007"),
        ("ConfigMap", "app-007"),
    }
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "app-007"}
