"""Hiding Secret data in printed manifests: SOPS-encrypted values (`flux build kustomization` prints `**SOPS**`),
or every value where nothing secret may be shown (`reflow mcp`)."""

from __future__ import annotations

import base64
import binascii
import copy
import json
from typing import Any

import yaml

from reflow.api.meta import Manifest

SOPS_MASK = "**SOPS**"
VALUE_MASK = "***"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
_SOPS_MASK_B64 = base64.b64encode(SOPS_MASK.encode()).decode()


def _encrypted(text: str) -> bool:
    return "sops" in text and "ENC[" in text


def _decoded(value: object) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode(errors="replace")
    except (binascii.Error, ValueError):
        return ""


def mask_sops_secret(secret: Manifest) -> Manifest:
    """A copy of a Secret with its SOPS-encrypted values replaced by the mask (other kinds come back as is).

    A whole-object encryption (a top-level `sops` block with a MAC) masks every value and drops the
    `sops` block; dockerconfigjson Secrets get a JSON mask so they stay well-formed. Otherwise only
    the values that are themselves SOPS documents are masked.
    """
    if secret.get("kind") != "Secret":
        return secret
    masked: dict[str, Any] = copy.deepcopy(secret)
    data: dict[str, Any] = masked.get("data") or {}
    string_data: dict[str, Any] = masked.get("stringData") or {}
    text = yaml.dump(secret, Dumper=yaml.CSafeDumper)
    if "sops:" in text and "mac: ENC[" in text:
        masked.pop("sops", None)
        if masked.get("type") == DOCKER_CONFIG_JSON:
            plain = json.dumps({"mask": SOPS_MASK}, separators=(",", ":"))
            data = {key: base64.b64encode(plain.encode()).decode() for key in data}
            string_data = dict.fromkeys(string_data, plain)
        else:
            data = dict.fromkeys(data, _SOPS_MASK_B64)
            string_data = dict.fromkeys(string_data, SOPS_MASK)
    else:
        data = {key: _SOPS_MASK_B64 if _encrypted(_decoded(value)) else value for key, value in data.items()}
        string_data = {key: _SOPS_MASK_B64 if _encrypted(str(value)) else value for key, value in string_data.items()}
    if data:
        masked["data"] = data
    if string_data:
        masked["stringData"] = string_data
    return masked


def mask_sops_secrets(objects: list[Manifest]) -> list[Manifest]:
    """Every object, with SOPS-encrypted Secret values masked."""
    return [mask_sops_secret(manifest) for manifest in objects]


def mask_secret_values(obj: Manifest) -> Manifest:
    """A copy of a Secret with every `data` and `stringData` value masked and the client-side apply annotation
    (a copy of the values) dropped; other kinds come back as they are."""
    if obj.get("kind") != "Secret":
        return obj
    masked: dict[str, Any] = copy.deepcopy(obj)
    for field in ("data", "stringData"):
        if isinstance(masked.get(field), dict):
            masked[field] = dict.fromkeys(masked[field], VALUE_MASK)
    annotations = (masked.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)
    return masked
