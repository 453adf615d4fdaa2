"""Flux's decryption points: Secret manifests after the build, generator sources before it."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
import yaml

from reflow.engines.sops import (
    DecryptionRequired,
    SourcePathError,
    decrypt_manifest,
    decrypt_sources,
    private_workdir,
)

ENV_PLAIN = b"PASSWORD=hunter2\nUSER=admin\n"
YAML_PLAIN = b"password: hunter2\n"


def secret(data: dict[str, str], annotations: dict[str, str] | None = None) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "apps", "annotations": annotations or {}},
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()},
    }


def test_secret_data_values_that_are_sops_documents_decrypt(encrypt, keys) -> None:  # type: ignore[no-untyped-def]
    env = {"SOPS_AGE_RECIPIENTS": keys.age.recipient}
    manifest = secret(
        {
            "app.env": encrypt(ENV_PLAIN, "dotenv", env=env).decode(),
            "config.yaml": encrypt(YAML_PLAIN, "yaml", env=env).decode(),
            "plain": "not encrypted",
        }
    )
    out = decrypt_manifest(manifest, keys.ring("age"))
    assert base64.b64decode(out["data"]["app.env"]) == ENV_PLAIN
    assert yaml.safe_load(base64.b64decode(out["data"]["config.yaml"])) == {"password": "hunter2"}
    assert base64.b64decode(out["data"]["plain"]) == b"not encrypted"
    assert "hunter2" not in str(manifest)


def test_whole_encrypted_secret_decrypts_even_after_kustomize_changed_it(encrypt, keys) -> None:  # type: ignore[no-untyped-def]
    plain = (
        b"apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: hunter2\n    port: 5432\n"
    )
    encrypted = yaml.safe_load(
        encrypt(plain, "yaml", config={"age": keys.age.recipient, "encrypted_regex": "^stringData$"})
    )
    encrypted["metadata"]["namespace"] = "apps"  # what the build adds
    out = decrypt_manifest(encrypted, keys.ring("age"))
    assert out["stringData"] == {"password": "hunter2", "port": 5432}
    assert "sops" not in out


def test_decrypt_disabled_annotation_leaves_the_secret_alone(encrypt, keys) -> None:  # type: ignore[no-untyped-def]
    document = encrypt(ENV_PLAIN, "dotenv", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient}).decode()
    manifest = secret({"app.env": document}, {"kustomize.toolkit.fluxcd.io/decrypt": "Disabled"})
    assert decrypt_manifest(manifest, None) is manifest
    assert decrypt_manifest(manifest, keys.ring("age")) is manifest


def test_encrypted_secret_without_decryption_is_refused(encrypt, keys) -> None:  # type: ignore[no-untyped-def]
    document = encrypt(ENV_PLAIN, "dotenv", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient}).decode()
    with pytest.raises(DecryptionRequired, match=r"^Secret/apps/db: encrypted secret requires decryption"):
        decrypt_manifest(secret({"app.env": document}), None)


def test_plain_objects_pass_through(keys) -> None:  # type: ignore[no-untyped-def]
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}
    assert decrypt_manifest(config_map, keys.ring("age")) is config_map
    assert decrypt_manifest(config_map, None) is config_map


def write_kustomization(root: Path, encrypted_env: bytes, encrypted_yaml: bytes) -> None:
    (root / "app").mkdir()
    (root / "kustomization.yaml").write_text("resources:\n  - app\n")
    (root / "app" / "kustomization.yaml").write_text(
        "secretGenerator:\n  - name: db\n    envs: [db.env]\n    files: [config.yaml=secrets/config.enc.yaml]\n"
        "configMapGenerator:\n  - name: settings\n    files: [plain.txt]\n"
    )
    (root / "app" / "secrets").mkdir()
    (root / "app" / "db.env").write_bytes(encrypted_env)
    (root / "app" / "secrets" / "config.enc.yaml").write_bytes(encrypted_yaml)
    (root / "app" / "plain.txt").write_text("nothing secret\n")


def test_generator_sources_decrypt_in_place_in_a_private_workdir(encrypt, keys) -> None:  # type: ignore[no-untyped-def]
    env = {"SOPS_AGE_RECIPIENTS": keys.age.recipient}
    encrypted_env, encrypted_yaml = encrypt(ENV_PLAIN, "dotenv", env=env), encrypt(YAML_PLAIN, "yaml", env=env)
    with private_workdir() as root:
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        write_kustomization(root, encrypted_env, encrypted_yaml)
        result = decrypt_sources(root, ".", keys.ring("age"))
        assert result.files == ("app/secrets/config.enc.yaml", "app/db.env")
        assert (root / "app" / "db.env").read_bytes() == ENV_PLAIN
        assert yaml.safe_load((root / "app" / "secrets" / "config.enc.yaml").read_bytes()) == {"password": "hunter2"}
        assert (root / "app" / "plain.txt").read_text() == "nothing secret\n"
    assert not root.exists()


def test_encrypted_source_without_decryption_is_refused(encrypt, keys) -> None:  # type: ignore[no-untyped-def]
    env = {"SOPS_AGE_RECIPIENTS": keys.age.recipient}
    with private_workdir() as root:
        write_kustomization(root, encrypt(ENV_PLAIN, "dotenv", env=env), encrypt(YAML_PLAIN, "yaml", env=env))
        with pytest.raises(DecryptionRequired, match=r"^app/secrets/config\.enc\.yaml: the file is SOPS-encrypted"):
            decrypt_sources(root, ".", None)


def test_source_outside_the_workdir_is_refused(keys) -> None:  # type: ignore[no-untyped-def]
    with private_workdir() as root:
        (root / "kustomization.yaml").write_text("secretGenerator:\n  - name: x\n    files: [../../etc/passwd]\n")
        with pytest.raises(SourcePathError, match="outside the working directory"):
            decrypt_sources(root, ".", keys.ring("age"))
