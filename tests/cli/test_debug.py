"""`reflow debug helmrelease`: the composed values and the status of a HelmRelease on the plane."""

from __future__ import annotations

import yaml

from reflow.kube.client import Kube
from tests.cli.runner import Reflow
from tests.manifests import config_map


async def test_show_values_composes_values_from_and_inline_values(
    reflow: Reflow, kube: Kube, namespace: str, crds: None
) -> None:
    await kube.create(config_map(namespace, "base", {"values.yaml": "a: 1\nb: {c: 2}\n"}))
    hr = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
          "metadata": {"name": "web", "namespace": namespace},
          "spec": {"interval": "1h", "chartRef": {"kind": "HelmChart", "name": "c"},
                   "valuesFrom": [{"kind": "ConfigMap", "name": "base"},
                                  {"kind": "ConfigMap", "name": "base", "valuesKey": "values.yaml",
                                   "targetPath": "b.d"}],
                   "values": {"b": {"c": 3}}}}  # fmt: skip
    await kube.create(hr)
    shown = await reflow("debug", "hr", "web", "--show-values")
    assert shown.code == 0, shown.stderr
    assert yaml.safe_load(shown.stdout) == {"a": 1, "b": {"c": 3, "d": "a: 1\nb: {c: 2}\n"}}
    status = await reflow("debug", "helmrelease", "web", "--show-status")
    assert status.code == 0, status.stderr
    assert yaml.safe_load(status.stdout) == {"observedGeneration": -1}
    neither = await reflow("debug", "hr", "web")
    assert neither.code == 2
