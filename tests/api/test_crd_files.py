"""The checked-in CRDs are what the generator makes today, and each has the structure Flux's CRDs have."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reflow.api.annotations import SUBSTITUTE
from reflow.api.crds import DIRECTORY, KINDS, crd, crd_yaml, file_name, kind_info, write

NAMES = [kind_info(model).kind for model in KINDS]


@pytest.mark.parametrize("model", KINDS, ids=NAMES)
def test_checked_in_crd_is_up_to_date(model: type) -> None:
    path = DIRECTORY / file_name(model)
    assert path.exists(), f"{path} is missing: run `python -m reflow.api.crds`"
    assert path.read_text(encoding="utf-8") == crd_yaml(model), f"{path} is stale: run `python -m reflow.api.crds`"


def test_crd_directory_holds_only_generated_files() -> None:
    assert sorted(path.name for path in DIRECTORY.glob("*.yaml")) == sorted(file_name(model) for model in KINDS)


def test_write_replaces_stale_files(tmp_path: Path) -> None:
    (tmp_path / "old.example.io.yaml").write_text("stale", encoding="utf-8")
    written = write(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in written)


@pytest.mark.parametrize("model", KINDS, ids=NAMES)
def test_crd_stores_its_first_version_and_serves_older_ones_deprecated_with_substitution_disabled(
    model: type,
) -> None:
    manifest = yaml.safe_load(crd_yaml(model))
    assert manifest["metadata"]["annotations"] == {SUBSTITUTE: "disabled"}
    versions = manifest["spec"]["versions"]
    assert [(v["served"], v["storage"]) for v in versions] == [(True, True)] + [(True, False)] * (len(versions) - 1)
    assert [bool(v.get("deprecated")) for v in versions] == [False] + [True] * (len(versions) - 1)


def test_alert_and_provider_store_v1_and_serve_v1beta3_with_flux_warnings() -> None:
    served = {
        kind_info(model).kind: [(v["name"], v.get("deprecationWarning")) for v in crd(model)["spec"]["versions"]]
        for model in KINDS
        if kind_info(model).kind in ("Alert", "Provider")
    }
    assert served == {
        "Alert": [("v1", None), ("v1beta3", "v1beta3 Alert is deprecated, upgrade to v1")],
        "Provider": [("v1", None), ("v1beta3", "v1beta3 Provider is deprecated, upgrade to v1")],
    }


@pytest.mark.parametrize("model", KINDS, ids=NAMES)
def test_status_defaults_observed_generation_and_has_subresource_when_present(model: type) -> None:
    version = crd(model)["spec"]["versions"][0]
    properties = version["schema"]["openAPIV3Schema"]["properties"]
    status = properties.get("status")
    assert ("subresources" in version) == (status is not None)
    if status is not None and "observedGeneration" in status["properties"]:
        assert status["default"] == {"observedGeneration": -1}
    elif status is not None:
        assert "default" not in status


@pytest.mark.parametrize("model", KINDS, ids=NAMES)
def test_every_property_has_a_description_and_a_structural_type(model: type) -> None:
    schema = crd(model)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    problems: list[str] = []

    def visit(node: dict[str, object], path: str) -> None:
        if "type" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
            problems.append(f"{path}: no type")
        for name, child in (node.get("properties") or {}).items():  # type: ignore[attr-defined]
            if path and "description" not in child:
                problems.append(f"{path}.{name}: no description")
            visit(child, f"{path}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                visit(node[key], f"{path}[]")  # type: ignore[arg-type]

    visit(schema, "")
    assert problems == []


def test_printer_columns_read_the_ready_condition() -> None:
    (version,) = crd(KINDS[0])["spec"]["versions"]
    columns = {column["name"]: column for column in version["additionalPrinterColumns"]}
    assert columns["Ready"]["jsonPath"] == '.status.conditions[?(@.type=="Ready")].status'
    assert columns["Status"]["jsonPath"] == '.status.conditions[?(@.type=="Ready")].message'
    assert columns["Age"] == {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
