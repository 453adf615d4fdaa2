"""Files the real sops encrypts decrypt to their plaintext: every store × age and OpenPGP, rules, key groups."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from reflow.engines.sops import Format, KeyRing, decrypt_document
from tests.engines.sops.keys import Encrypt, Keys

YAML_PLAIN = b"""\
db:
    user: admin
    password: s3cr3t-yaml
    port: 5432
    ratio: 0.25
    enabled: true
    created: 2024-05-01T10:00:00Z
    notes: null
    empty: ""
hosts:
    - a.example
    - b.example
plain_unencrypted: visible
"""
JSON_PLAIN = (
    b'{"user": "admin", "password": "s3cr3t-json", "port": 5432, "ratio": 0.5, "list": [1, {"k": "v"}], "on": false}'
)
DOTENV_PLAIN = b"USER=admin\nPASSWORD=s3cr3t-env\nURL=postgres://db:5432/app?x=1\n"
INI_PLAIN = b"[database]\nuser = admin\npassword = s3cr3t-ini\n\n[cache]\nttl = 30\n"
BINARY_PLAIN = b"\x00\x01binary s3cr3t\xff\xfe\n"

STORES = [
    pytest.param(Format.YAML, YAML_PLAIN, id="yaml"),
    pytest.param(Format.JSON, JSON_PLAIN, id="json"),
    pytest.param(Format.DOTENV, DOTENV_PLAIN, id="dotenv"),
    pytest.param(Format.INI, INI_PLAIN, id="ini"),
    pytest.param(Format.BINARY, BINARY_PLAIN, id="binary"),
]


def parsed(data: bytes, format_: Format) -> Any:
    """The plaintext as data, so formatting differences do not matter."""
    if format_ is Format.YAML:
        return list(yaml.safe_load_all(data))
    if format_ is Format.JSON:
        return json.loads(data)
    if format_ is Format.DOTENV:
        return [line for line in data.decode().splitlines() if line]
    if format_ is Format.INI:
        return [line.replace(" ", "") for line in data.decode().splitlines() if line.strip()]
    return data


def encrypt_with(encrypt: Encrypt, keys: Keys, plain: bytes, format_: Format, key_type: str) -> bytes:
    if key_type == "age":
        return encrypt(plain, format_.value, env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})
    return encrypt(plain, format_.value, env={"SOPS_PGP_FP": keys.pgp(key_type).fingerprint})


KEY_TYPES = [
    pytest.param("age", id="age"),
    pytest.param("rsa", id="rsa-split-usage"),
    pytest.param("ed25519", id="ed25519-cv25519"),
    pytest.param("flux", id="rsa-flux-guide"),
    pytest.param("flux-subkeys", id="rsa-flux-guide-subkeys-only"),
]


@pytest.mark.parametrize("key_type", KEY_TYPES)
@pytest.mark.parametrize(("format_", "plain"), STORES)
def test_sops_encrypted_file_decrypts_to_its_plaintext(
    encrypt: Encrypt, keys: Keys, format_: Format, plain: bytes, key_type: str
) -> None:
    encrypted = encrypt_with(encrypt, keys, plain, format_, key_type)
    assert b"s3cr3t" not in encrypted
    decrypted = decrypt_document(encrypted, keys.ring(key_type), file=f"secret.{format_}", input_format=format_)
    assert parsed(decrypted, format_) == parsed(plain, format_)


def test_flux_guide_key_has_a_subkey_for_every_usage(keys: Keys) -> None:
    """The case pysequoia could not decrypt: GnuPG gives the guide's RSA subkey sign, encrypt and auth."""
    assert set(keys.flux.subkey_usage) == {"s", "e", "a"}
    assert set(keys.rsa.subkey_usage) == {"e"}


@pytest.mark.parametrize("key_type", ["flux", "ed25519"])
@pytest.mark.parametrize("together", [True, False], ids=["one-armored-block", "concatenated-blocks"])
def test_several_keys_in_one_asc_entry_are_all_read(
    encrypt: Encrypt, keys: Keys, key_type: str, together: bool
) -> None:
    value = keys.exported_together("flux", "ed25519") if together else keys.flux.armored + keys.ed25519.armored
    ring = KeyRing.from_secret_data({"keys.asc": value})
    assert set(ring.pgp_fingerprints) == {keys.flux.fingerprint.lower(), keys.ed25519.fingerprint.lower()}
    encrypted = encrypt_with(encrypt, keys, YAML_PLAIN, Format.YAML, key_type)
    decrypted = decrypt_document(encrypted, ring, file="s.yaml", input_format=Format.YAML)
    assert yaml.safe_load(decrypted) == yaml.safe_load(YAML_PLAIN)


def test_yaml_values_keep_their_types(encrypt: Encrypt, keys: Keys) -> None:
    encrypted = encrypt(YAML_PLAIN, "yaml", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})
    decrypted = yaml.safe_load(decrypt_document(encrypted, keys.ring("age"), file="s.yaml", input_format=Format.YAML))
    assert decrypted["db"]["port"] == 5432
    assert decrypted["db"]["ratio"] == 0.25
    assert decrypted["db"]["enabled"] is True
    assert decrypted["plain_unencrypted"] == "visible"


def test_multi_document_yaml_decrypts_every_document(encrypt: Encrypt, keys: Keys) -> None:
    plain = b"a: one\n---\nb: two\n"
    encrypted = encrypt(plain, "yaml", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})
    decrypted = decrypt_document(encrypted, keys.ring("age"), file="multi.yaml", input_format=Format.YAML)
    assert list(yaml.safe_load_all(decrypted)) == [{"a": "one"}, {"b": "two"}]


RULE_PLAIN = b"""\
apiVersion: v1
kind: Secret
metadata:
    name: db
stringData:
    password: hunter2
    user_unencrypted: admin
    token_enc: abc
"""


@pytest.mark.parametrize(
    ("rule", "still_plain"),
    [
        pytest.param({"encrypted_regex": "^(data|stringData)$"}, "apiVersion: v1", id="encrypted-regex"),
        pytest.param({"unencrypted_regex": "^(apiVersion|kind|metadata)$"}, "name: db", id="unencrypted-regex"),
        pytest.param({"encrypted_suffix": "_enc"}, "password: hunter2", id="encrypted-suffix"),
        pytest.param({"unencrypted_suffix": "_unencrypted"}, "user_unencrypted: admin", id="unencrypted-suffix"),
        pytest.param(
            {"encrypted_regex": "^stringData$", "mac_only_encrypted": True}, "kind: Secret", id="mac-only-encrypted"
        ),
    ],
)
def test_encryption_rules_decrypt_to_the_original(
    encrypt: Encrypt, keys: Keys, rule: dict[str, object], still_plain: str
) -> None:
    encrypted = encrypt(RULE_PLAIN, "yaml", config={"age": keys.age.recipient, **rule})
    assert still_plain.encode() in encrypted
    decrypted = decrypt_document(encrypted, keys.ring("age"), file="rule.yaml", input_format=Format.YAML)
    assert yaml.safe_load(decrypted) == yaml.safe_load(RULE_PLAIN)


COMMENT_PLAIN = b"""\
app:
    user: admin
    # sops:enc
    password: hunter2
    port: 8080
    # keep-plain
    region: eu
    token: abc
"""


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"encrypted_comment_regex": "sops:enc"}, id="encrypted-comment-regex"),
        pytest.param({"unencrypted_comment_regex": "keep-plain"}, id="unencrypted-comment-regex"),
        pytest.param(
            {"encrypted_comment_regex": "sops:enc", "mac_only_encrypted": True}, id="encrypted-comment-mac-only"
        ),
    ],
)
def test_comment_rules_decrypt_although_comments_are_dropped(
    encrypt: Encrypt, keys: Keys, rule: dict[str, object]
) -> None:
    encrypted = encrypt(COMMENT_PLAIN, "yaml", config={"age": keys.age.recipient, **rule})
    assert b"hunter2" not in encrypted
    decrypted = decrypt_document(encrypted, keys.ring("age"), file="comments.yaml", input_format=Format.YAML)
    assert yaml.safe_load(decrypted) == yaml.safe_load(COMMENT_PLAIN)
    assert b"#" not in decrypted


def test_comment_rules_survive_a_build_that_dropped_the_comments(encrypt: Encrypt, keys: Keys) -> None:
    encrypted = encrypt(
        COMMENT_PLAIN, "yaml", config={"age": keys.age.recipient, "encrypted_comment_regex": "sops:enc"}
    )
    rebuilt = yaml.safe_dump(yaml.safe_load(encrypted), sort_keys=False).encode()  # what a kustomize build leaves
    decrypted = decrypt_document(rebuilt, keys.ring("age"), file="built.yaml", input_format=Format.YAML)
    assert yaml.safe_load(decrypted) == yaml.safe_load(COMMENT_PLAIN)


@pytest.mark.parametrize(
    ("ring", "groups"),
    [
        pytest.param(("age", "age2"), "age+age2", id="two-age-groups"),
        pytest.param(("age", "rsa"), "age+rsa", id="age-and-pgp-groups"),
        pytest.param(("ed25519", "rsa"), "ed25519+rsa", id="pgp-only-groups"),
        pytest.param(("age", "flux"), "age+flux", id="age-and-flux-guide-groups"),
    ],
)
def test_two_of_three_key_groups_recover_the_data_key(
    encrypt: Encrypt, keys: Keys, ring: tuple[str, ...], groups: str
) -> None:
    config = {
        "shamir_threshold": 2,
        "key_groups": [
            {"age": [keys.age.recipient]},
            {"age": [keys.age2.recipient], "pgp": [keys.ed25519.fingerprint]},
            {"pgp": [keys.rsa.fingerprint, keys.flux.fingerprint]},
        ],
    }
    encrypted = encrypt(YAML_PLAIN, "yaml", config=config)
    decrypted = decrypt_document(encrypted, keys.ring(*ring), file="groups.yaml", input_format=Format.YAML)
    assert yaml.safe_load(decrypted) == yaml.safe_load(YAML_PLAIN), groups


@pytest.mark.parametrize(("format_", "plain"), STORES)
def test_key_groups_work_in_every_store(encrypt: Encrypt, keys: Keys, format_: Format, plain: bytes) -> None:
    config = {"shamir_threshold": 2, "key_groups": [{"age": [keys.age.recipient]}, {"pgp": [keys.rsa.fingerprint]}]}
    encrypted = encrypt(plain, format_.value, config=config)
    decrypted = decrypt_document(encrypted, keys.ring("age", "rsa"), file="g", input_format=format_)
    assert parsed(decrypted, format_) == parsed(plain, format_)


def test_output_format_can_differ_from_input(encrypt: Encrypt, keys: Keys) -> None:
    encrypted = encrypt(YAML_PLAIN, "yaml", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})
    decrypted = decrypt_document(
        encrypted, keys.ring("age"), file="s.yaml", input_format=Format.YAML, output_format=Format.JSON
    )
    assert json.loads(decrypted)["db"]["password"] == "s3cr3t-yaml"
