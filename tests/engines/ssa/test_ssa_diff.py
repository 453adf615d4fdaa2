"""Field diffs between live and dry-run objects, and Secret masking."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.engines.ssa import FieldChange, diff, mask_secrets_for_diff
from reflow.engines.ssa.diff import MASK, MASK_AFTER, MASK_BEFORE, render


def cm(data: dict[str, str], **metadata: object) -> Manifest:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", **metadata}, "data": data}


def secret(data: dict[str, str] | None = None, string_data: dict[str, str] | None = None) -> Manifest:
    obj: Manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}
    if data is not None:
        obj["data"] = data
    if string_data is not None:
        obj["stringData"] = string_data
    return obj


@pytest.mark.parametrize(
    ("live", "dry_run", "expected"),
    [
        pytest.param(cm({"a": "1"}), cm({"a": "1"}, resourceVersion="9", managedFields=[]), (), id="server-fields"),
        pytest.param(cm({"a": "1"}), cm({"a": "2"}), (FieldChange("/data/a", "1", "2"),), id="changed"),
        pytest.param(cm({}), cm({"b": "2"}), (FieldChange("/data/b", None, "2"),), id="added"),
        pytest.param(cm({"b": "2"}), cm({}), (FieldChange("/data/b", "2", None),), id="removed"),
        pytest.param(
            cm({}, labels={"app.kubernetes.io/name": "x"}),
            cm({}, labels={"app.kubernetes.io/name": "y"}),
            (FieldChange("/metadata/labels/app.kubernetes.io~1name", "x", "y"),),
            id="escaped-pointer",
        ),
        pytest.param(
            {**cm({}), "items": [1, 2]}, {**cm({}), "items": [1, 3]}, (FieldChange("/items/1", 2, 3),), id="list"
        ),
        pytest.param(
            {**cm({}), "items": [1]}, {**cm({}), "items": [1, 3]}, (FieldChange("/items", [1], [1, 3]),), id="length"
        ),
    ],
)
def test_diff_lists_changed_fields(live: Manifest, dry_run: Manifest, expected: tuple[FieldChange, ...]) -> None:
    assert diff(live, dry_run) == expected


def test_diff_of_a_new_object_shows_everything() -> None:
    assert FieldChange(
        "/", None, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {}}
    ) in diff(None, cm({}))


def test_render() -> None:
    changes = (FieldChange("/a", None, 1), FieldChange("/b", 1, None), FieldChange("/c", 1, 2))
    assert render(changes) == "+ /a: 1\n- /b: 1\n~ /c: 1 -> 2"


def test_mask_secrets_hides_values_but_shows_what_changed() -> None:
    live = secret({"same": "eA==", "changed": "YQ==", "removed": "cg=="})
    dry_run = secret({"same": "eA==", "changed": "Yg==", "added": "bg=="}, {"plain": "text"})
    masked_live, masked_dry = mask_secrets_for_diff(live, dry_run)
    assert masked_live is not None
    assert masked_live["data"] == {"same": MASK, "changed": MASK_BEFORE, "removed": MASK}
    assert masked_dry["data"] == {"same": MASK, "changed": MASK_AFTER, "added": MASK}
    assert masked_dry["stringData"] == {"plain": MASK}
    assert live["data"]["changed"] == "YQ==", "the inputs stay unmasked"
    assert {c.path for c in diff(masked_live, masked_dry)} == {
        "/data/changed",
        "/data/added",
        "/data/removed",
        "/stringData",
    }


def test_mask_secrets_of_a_new_secret_and_of_other_kinds() -> None:
    assert mask_secrets_for_diff(None, secret({"k": "dg=="})) == (None, secret({"k": MASK}))
    assert mask_secrets_for_diff(cm({"a": "1"}), cm({"a": "2"})) == (cm({"a": "1"}), cm({"a": "2"}))
