"""Drift ignore rules with plain data: JSON pointers, rule targets, drift without ignored fields, and settling them."""

from __future__ import annotations

import pytest

from reflow.api.kustomize import IgnoreRule, Selector
from reflow.api.meta import Manifest
from reflow.engines.ssa import IgnoreRules, drifted
from reflow.engines.ssa.ignore import Pointer, Settle, Settled, lookup, removed, settle, settled
from reflow.engines.ssa.ownership import field_path, owned_by_other_appliers

DOC: Manifest = {
    "metadata": {"annotations": {"example.com/a~b": "tilde", "a/b": "slash"}},
    "spec": {"containers": [{"name": "web", "image": "web:1"}, {"name": "log", "image": "log:1"}], "": "empty-key"},
}


@pytest.mark.parametrize(
    ("pointer", "tokens"),
    [
        pytest.param("/spec/replicas", ("spec", "replicas"), id="plain"),
        pytest.param("/metadata/annotations/a~1b", ("metadata", "annotations", "a/b"), id="tilde-one-is-slash"),
        pytest.param("/example.com~1a~0b", ("example.com/a~b",), id="tilde-zero-is-tilde"),
        pytest.param("/~01", ("~1",), id="tilde-zero-first-then-one"),
        pytest.param("/", ("",), id="empty-key"),
    ],
)
def test_pointer_tokens_are_unescaped_as_rfc_6901_says(pointer: str, tokens: tuple[str, ...]) -> None:
    assert Pointer.parse(pointer).tokens == tokens


@pytest.mark.parametrize(
    ("pointer", "complaint"),
    [
        pytest.param("spec/replicas", "must start with '/'", id="relative"),
        pytest.param("", "must start with '/'", id="whole-document"),
        pytest.param("/a~2b", "'~' must be followed by 0 or 1", id="bad-escape"),
        pytest.param("/a~", "'~' must be followed by 0 or 1", id="trailing-tilde"),
    ],
)
def test_invalid_pointers_are_refused_with_the_reason(pointer: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Pointer.parse(pointer)


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        pytest.param("/metadata/annotations/example.com~1a~0b", (True, "tilde"), id="escaped-key"),
        pytest.param("/metadata/annotations/a~1b", (True, "slash"), id="slash-in-key"),
        pytest.param("/spec/containers/1/image", (True, "log:1"), id="array-index"),
        pytest.param("/spec/containers/2/image", (False, None), id="index-past-the-end"),
        pytest.param("/spec/containers/-", (False, None), id="dash-is-past-the-end"),
        pytest.param("/spec/containers/01", (False, None), id="leading-zero-is-no-index"),
        pytest.param("/spec/containers/web", (False, None), id="name-on-an-array"),
        pytest.param("/spec/replicas", (False, None), id="missing-field"),
        pytest.param("/spec/replicas/deeper", (False, None), id="missing-parent"),
        pytest.param("/spec/containers/0/image/x", (False, None), id="through-a-scalar"),
        pytest.param("/spec/", (True, "empty-key"), id="empty-key"),
    ],
)
def test_lookup_follows_pointers_and_reports_missing_paths(pointer: str, expected: tuple[bool, object]) -> None:
    assert lookup(DOC, Pointer.parse(pointer)) == expected


def test_removed_skips_missing_paths_and_leaves_the_original_alone() -> None:
    pointers = [Pointer.parse(p) for p in ("/spec/containers/0", "/metadata/annotations/a~1b", "/spec/nothing/here")]
    out = removed(DOC, pointers)
    assert out["spec"]["containers"] == [{"name": "log", "image": "log:1"}]
    assert out["metadata"]["annotations"] == {"example.com/a~b": "tilde"}
    assert len(DOC["spec"]["containers"]) == 2
    assert "a/b" in DOC["metadata"]["annotations"]


def deployment(replicas: int | None, image: str = "web:1", **annotations: str) -> Manifest:
    spec: Manifest = {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "apps", "resourceVersion": "7", "annotations": annotations},
        "spec": spec,
    }


def rules(*paths: str, **target: str) -> IgnoreRules:
    return IgnoreRules.compile([IgnoreRule(paths=paths, target=Selector(**target) if target else None)])


def test_rules_give_the_pointers_of_the_rules_whose_target_selects_the_object() -> None:
    compiled = IgnoreRules.compile(
        [
            IgnoreRule(paths=("/spec/replicas",), target=Selector(kind="Deployment")),
            IgnoreRule(paths=("/data",), target=Selector(kind="ConfigMap")),
            IgnoreRule(paths=("/metadata/annotations/hpa",)),
        ]
    )
    assert [str(p) for p in compiled.pointers(deployment(1))] == ["/spec/replicas", "/metadata/annotations/hpa"]
    assert not IgnoreRules()
    assert compiled


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        pytest.param(IgnoreRule(paths=("spec",)), r"spec.ignore\[0\].paths: invalid JSON pointer 'spec'", id="path"),
        pytest.param(
            IgnoreRule(paths=("/a",), target=Selector(name="web[")), r"spec.ignore\[0\].target: invalid name", id="re"
        ),
        pytest.param(
            IgnoreRule(paths=("/a",), target=Selector(label_selector="a in (")),
            r"spec.ignore\[0\].target: invalid selector",
            id="labels",
        ),
    ],
)
def test_invalid_rules_name_the_rule_and_the_field(rule: IgnoreRule, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        IgnoreRules.compile([rule])


@pytest.mark.parametrize(
    ("dry_run", "paths", "expected"),
    [
        pytest.param(deployment(1), (), True, id="replicas-drift-without-rules"),
        pytest.param(deployment(1), ("/spec/replicas",), False, id="ignored-replicas"),
        pytest.param(deployment(1, image="web:2"), ("/spec/replicas",), True, id="other-field-still-counts"),
        pytest.param(deployment(3, hpa="x"), ("/metadata/annotations/hpa",), False, id="ignored-annotation"),
        pytest.param(deployment(3, hpa="x"), ("/metadata/annotations/other",), True, id="other-annotation"),
        pytest.param(deployment(1), ("/spec/nothing", "/spec/replicas"), False, id="missing-paths-are-harmless"),
    ],
)
def test_drift_leaves_ignored_fields_out(dry_run: Manifest, paths: tuple[str, ...], expected: bool) -> None:
    live = deployment(3)
    assert drifted(live, dry_run, rules(*paths).pointers(dry_run)) is expected


def test_settle_strips_fields_other_appliers_own_and_adopts_the_rest() -> None:
    live, dry_run = deployment(3, hpa="x"), deployment(1)
    pointers = [Pointer.parse(p) for p in ("/spec/replicas", "/metadata/annotations/hpa", "/spec/template")]
    decisions = settle(live, dry_run, pointers, lambda pointer: pointer.text == "/spec/replicas")
    assert decisions == (
        Settled(pointers[0], Settle.STRIP),
        Settled(pointers[1], Settle.ADOPT, "x"),
    )


def test_settle_strips_a_field_the_live_object_does_not_have() -> None:
    live, dry_run = deployment(None), deployment(1)
    pointer = Pointer.parse("/spec/replicas")
    assert settle(live, dry_run, [pointer], lambda _: False) == (Settled(pointer, Settle.STRIP),)


def test_settled_removes_then_adopts_only_where_the_object_has_the_field() -> None:
    obj = deployment(1)
    replicas, image, absent = (Pointer.parse(p) for p in ("/spec/replicas", "/spec/template/spec/containers/0/image",
                                                          "/metadata/labels/x"))  # fmt: skip
    out = settled(obj, [Settled(replicas, Settle.STRIP), Settled(image, Settle.ADOPT, "web:9"),
                        Settled(absent, Settle.ADOPT, "y")])  # fmt: skip
    assert "replicas" not in out["spec"]
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "web:9"
    assert "labels" not in out["metadata"]
    assert obj["spec"]["replicas"] == 1


MANAGED: list[Manifest] = [
    {"manager": "kustomize-controller", "operation": "Apply",
     "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"web"}': {"f:image": {}}}}}}}},
    {"manager": "autoscaler", "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
    {"manager": "sidecar", "operation": "Apply",
     "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"log"}': {"f:image": {}}}}}}}},
    {"manager": "editor", "operation": "Update", "fieldsV1": {"f:metadata": {"f:annotations": {"f:hpa": {}}}}},
    {"manager": "status", "operation": "Apply", "subresource": "status", "fieldsV1": {"f:status": {}}},
]  # fmt: skip


def live_with_sidecar() -> Manifest:
    live = deployment(3, hpa="x")
    live["spec"]["template"]["spec"]["containers"].append({"name": "log", "image": "log:1"})
    live["metadata"]["managedFields"] = MANAGED
    return live


@pytest.mark.parametrize(
    ("pointer", "path"),
    [
        pytest.param("/spec/replicas", ("f:spec", "f:replicas"), id="field"),
        pytest.param("/spec/template/spec/containers/1/image",
                     ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"log"}', "f:image"), id="list-item"),
        pytest.param("/spec/template/spec/containers/5/image", None, id="index-past-the-end"),
    ],
)  # fmt: skip
def test_field_path_turns_list_indexes_into_merge_keys(pointer: str, path: tuple[str, ...] | None) -> None:
    live = live_with_sidecar()
    entries = [e for e in MANAGED if e["operation"] == "Apply"]
    assert field_path(live, Pointer.parse(pointer).tokens, entries) == path


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        pytest.param("/spec/replicas", True, id="another-applier"),
        pytest.param("/spec/template/spec/containers/1/image", True, id="another-applier-of-a-list-item"),
        pytest.param("/spec/template/spec/containers/0/image", False, id="ours-alone"),
        pytest.param("/metadata/annotations/hpa", False, id="an-update-manager-is-no-applier"),
        pytest.param("/status", False, id="subresource-entries-do-not-count"),
    ],
)
def test_owned_by_other_appliers(pointer: str, expected: bool) -> None:
    ours = lambda entry: entry["manager"] == "kustomize-controller"  # noqa: E731
    assert owned_by_other_appliers(live_with_sidecar(), Pointer.parse(pointer).tokens, ours) is expected
