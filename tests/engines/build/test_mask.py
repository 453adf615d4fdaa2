"""SOPS-encrypted Secret values are masked in printed manifests, as `flux build kustomization` does."""

from __future__ import annotations

import base64
import json

import pytest

from reflow.engines.build import SOPS_MASK, mask_sops_secrets

MASKED = base64.b64encode(SOPS_MASK.encode()).decode()
SOPS_VALUE = "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]"
SOPS_BLOCK = {"mac": SOPS_VALUE, "version": "3.11.0"}


def secret(**fields: object) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, **fields}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            secret(data={"a": b64(SOPS_VALUE)}, stringData={"b": SOPS_VALUE}, sops=SOPS_BLOCK),
            secret(data={"a": MASKED}, stringData={"b": SOPS_MASK}),
            id="whole-object-encrypted",
        ),
        pytest.param(
            secret(type="kubernetes.io/dockerconfigjson", data={".dockerconfigjson": b64(SOPS_VALUE)}, sops=SOPS_BLOCK),
            secret(type="kubernetes.io/dockerconfigjson", data={".dockerconfigjson": b64('{"mask":"**SOPS**"}')}),
            id="dockerconfigjson-stays-json",
        ),
        pytest.param(
            secret(data={"enc": b64(f"sops:\n  mac: {SOPS_VALUE}\n"), "plain": b64("hello")}),
            secret(data={"enc": MASKED, "plain": b64("hello")}),
            id="only-encrypted-values",
        ),
        pytest.param(
            secret(stringData={"plain": "hello"}), secret(stringData={"plain": "hello"}), id="plain-secret-unchanged"
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"x": SOPS_VALUE}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"x": SOPS_VALUE}},
            id="other-kinds-untouched",
        ),
    ],
)
def test_mask_sops_secrets_hides_encrypted_values(manifest: dict[str, object], expected: dict[str, object]) -> None:
    assert mask_sops_secrets([manifest]) == [expected]


def test_masking_leaves_the_input_alone() -> None:
    original = secret(data={"a": b64(SOPS_VALUE)}, sops=SOPS_BLOCK)
    snapshot = json.dumps(original, sort_keys=True)
    mask_sops_secrets([original])
    assert json.dumps(original, sort_keys=True) == snapshot
