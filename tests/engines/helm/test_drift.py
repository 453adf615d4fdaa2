"""The pure parts of release drift detection: manifest objects, opt-outs, Helm's ownership metadata."""

from __future__ import annotations

from reflow.engines.helm.drift import excluded, manifest_objects, owned

MANIFEST = """---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
---
# Source: app/templates/empty.yaml
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: skipped
  labels: {helm.toolkit.fluxcd.io/driftDetection: disabled}
"""


def test_manifest_objects_skip_empty_documents_and_opt_outs_are_seen() -> None:
    objects = manifest_objects(MANIFEST)
    assert [o["metadata"]["name"] for o in objects] == ["web-config", "skipped"]
    assert [excluded(o) for o in objects] == [False, True]


def test_owned_adds_helms_ownership_metadata_and_the_namespace() -> None:
    obj = owned(manifest_objects(MANIFEST)[0], "web", "apps", namespaced=True)
    assert obj["metadata"] == {
        "name": "web-config",
        "namespace": "apps",
        "labels": {"app.kubernetes.io/managed-by": "Helm"},
        "annotations": {"meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": "apps"},
    }
    assert "namespace" not in owned({"kind": "Namespace", "metadata": {"name": "x"}}, "web", "apps", False)["metadata"]
