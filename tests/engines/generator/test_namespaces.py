"""managedNamespaces: which targets are managed, their metadata in Flux's order, the metadata file's allow-lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow.api.annotations import GENERATOR_EXTERNAL_FINALIZER as EXTERNAL_FINALIZER
from reflow.api.meta import CommonMetadata
from reflow.api.sourceext import ManagedNamespaces, MetadataFromSource
from reflow.api.wire import parse
from reflow.engines.generator import GeneratorError, InvalidPattern
from reflow.engines.generator.namespaces import (
    FinalizerRef,
    NamespaceMetadata,
    external_finalizer,
    managed,
    metadata_for,
    read_sourced,
)
from tests.engines.generator.trees import write_tree

OWN = {"source.extensions.fluxcd.io/generator": "uid-1", "app.kubernetes.io/managed-by": "source-watcher"}


def spec(**fields: object) -> ManagedNamespaces:
    return parse(ManagedNamespaces, {"allowedNames": ["ns.startsWith('team-')"], "prune": True, **fields})


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        pytest.param({"team-a", "team-b"}, ["team-a", "team-b"], id="allowed-names-are-managed"),
        pytest.param({"team-a", "apps"}, ["team-a"], id="names-no-expression-allows-are-left-alone"),
        pytest.param({"team-a", "gen"}, ["team-a"], id="own-namespace-is-never-managed"),
    ],
)
def test_managed_namespaces_are_the_allowed_targets(targets: set[str], expected: list[str]) -> None:
    assert managed(spec(), targets, "gen") == expected


def test_reserved_namespaces_are_never_managed() -> None:
    anything = spec(allowedNames=["true"])
    assert managed(anything, {"default", "kube-system", "kube-public", "flux-system", "x"}, "gen") == ["x"]


def test_an_expression_that_is_not_a_bool_is_a_spec_error() -> None:
    with pytest.raises(InvalidPattern, match="allowedNames"):
        managed(spec(allowedNames=["ns"]), {"team-a"}, "gen")


def test_metadata_is_common_then_file_then_operations_then_the_generators_labels() -> None:
    ops = spec(metadata={"from": [
        {"strategy": "Merge", "namespace": "*", "labels": {"tier": "merged", "new": "merged"}},
        {"strategy": "Override", "namespace": "team-a", "annotations": {"note": "override"}},
        {"strategy": "Override", "namespace": "team-b", "labels": {"tier": "not-for-a"}},
    ]})  # fmt: skip
    common = CommonMetadata(labels={"tier": "common", "app.kubernetes.io/managed-by": "someone"},
                            annotations={"note": "common"})  # fmt: skip
    from_file = NamespaceMetadata(labels={"tier": "file"})
    got = metadata_for("team-a", ops, common, from_file, OWN)
    assert got.labels == {"tier": "file", "new": "merged", **OWN}
    assert got.annotations == {"note": "override"}


def test_reset_clears_what_came_before_but_not_the_generators_labels() -> None:
    reset = spec(metadata={"from": [{"strategy": "Reset", "namespace": "*", "labels": {"only": "this"}}]})
    got = metadata_for("team-a", reset, CommonMetadata(labels={"tier": "common"}), None, OWN)
    assert got.labels == {"only": "this", **OWN}
    assert got.annotations == {}


def test_digest_follows_the_metadata() -> None:
    one = NamespaceMetadata(labels={"a": "1"})
    assert one.digest() == NamespaceMetadata(labels={"a": "1"}).digest()
    assert one.digest() != NamespaceMetadata(labels={"a": "2"}).digest()
    assert one.digest() != NamespaceMetadata(annotations={"a": "1"}).digest()


FILE = """\
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: NamespaceMetadata
metadata:
  labels:
    team: payments
    unlisted: dropped
  annotations:
    owner: alice@example.com
"""


def allow(**fields: object) -> MetadataFromSource:
    return parse(MetadataFromSource, {"path": "@repo/teams/{team}/namespace.yaml", **fields})


def test_file_keeps_only_allowed_keys_whose_values_pass(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "src", {"teams/a/namespace.yaml": FILE})
    rules = allow(allowedLabels={"team": "value.matches('^[a-z]+$')"},
                  allowedAnnotations={"owner": "value.endsWith('@example.com')"})  # fmt: skip
    got = read_sourced(rules, {"team": "a"}, {"repo": root}, tmp_path)
    assert got == NamespaceMetadata(labels={"team": "payments"}, annotations={"owner": "alice@example.com"})


def test_a_value_the_expression_rejects_fails_naming_the_key(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "src", {"teams/a/namespace.yaml": FILE})
    with pytest.raises(GeneratorError, match="label 'team' value 'payments' is not allowed"):
        read_sourced(allow(allowedLabels={"team": "value == 'other'"}), {"team": "a"}, {"repo": root}, tmp_path)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param({}, "is not a file", id="missing"),
        pytest.param({"teams/a/namespace.yaml": "kind: ConfigMap\n"}, "not a NamespaceMetadata", id="wrong-kind"),
        pytest.param({"teams/a/namespace.yaml": "- a\n"}, "mapping", id="not-a-mapping"),
    ],
)
def test_an_unreadable_file_fails_naming_it(tmp_path: Path, files: dict[str, str], message: str) -> None:
    root = write_tree(tmp_path / "src", files)
    with pytest.raises(GeneratorError, match=f"teams/a/namespace.yaml.*{message}"):
        read_sourced(allow(allowedLabels={"team": "true"}), {"team": "a"}, {"repo": root}, tmp_path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("/v1/ConfigMap/apps/keeper/u-1", FinalizerRef(api_version="v1", kind="ConfigMap",
                     namespace="apps", name="keeper", uid="u-1"), id="core-group"),
        pytest.param("example.com/v1/Tenant//acme/u-2", FinalizerRef(api_version="example.com/v1", kind="Tenant",
                     namespace=None, name="acme", uid="u-2"), id="cluster-scoped"),
        pytest.param("v1/ConfigMap/apps/keeper/u-1", None, id="five-segments"),
        pytest.param("/v1/ConfigMap/apps/keeper/", None, id="no-uid"),
    ],
)  # fmt: skip
def test_external_finalizer_names_an_object_or_nothing(value: str, expected: FinalizerRef | None) -> None:
    assert external_finalizer(value) == expected


def test_metadata_may_not_set_the_external_finalizer() -> None:
    sneaky = spec(metadata={"from": [{"strategy": "Override", "namespace": "*",
                                      "annotations": {EXTERNAL_FINALIZER: "/v1/ConfigMap/a/b/c"}}]})  # fmt: skip
    with pytest.raises(InvalidPattern, match="externalFinalizer"):
        metadata_for("team-a", sneaky, None, None, OWN)
