"""SOPS decryption as the build pipeline asks for it: sources before kustomize, objects after it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from reflow.api.meta import Manifest
from reflow.engines.sops import KeyRing, decrypt_manifest, decrypt_sources


@dataclass(frozen=True, slots=True)
class SopsDecryptor:
    """Decrypts with the Kustomization's keys; with no keys it only refuses encrypted input (Flux's guard)."""

    keys: KeyRing | None
    path: str
    """The Kustomization's path inside the artifact: where generator sources are looked for."""

    @property
    def fingerprint(self) -> str:
        if self.keys is None:
            return "none"
        public = sorted(str(identity.to_public()) for identity in self.keys.age) + sorted(self.keys.pgp_fingerprints)
        return hashlib.sha256("\n".join(public).encode()).hexdigest()

    @property
    def rewrites(self) -> bool:
        return self.keys is not None

    def prepare(self, workdir: Path) -> None:
        decrypt_sources(workdir, self.path, self.keys)

    def decrypt(self, manifest: Manifest) -> Manifest:
        return decrypt_manifest(manifest, self.keys)
