"""Documents written to hurt the controller: anyone holding the cluster's public key can write one.

Each test starts from a file the real sops encrypted and, where sops would not write the attack
itself, edits the parts an attacker controls: the metadata's rules and threshold, and the YAML around
the values. Decryption must end, and fail with an error naming the file and the metadata key.
"""

from __future__ import annotations

import pytest
import yaml

from reflow.engines.sops import Format, InvalidDocument, decrypt_document
from tests.engines.sops.keys import Encrypt, Keys

# `^(a+)+$` against 60 `a`s and a `!` backtracks through 2^60 ways to split the `a`s before failing.
EXPLOSIVE_PATTERN = "^(a+)+$"
LONG_KEY = "a" * 60 + "!"


@pytest.mark.parametrize("rule", ["encrypted_regex", "unencrypted_regex"])
def test_a_backtracking_regex_rule_matches_in_linear_time(encrypt: Encrypt, keys: Keys, rule: str) -> None:
    plain = f"aaaa: hunter2\n{LONG_KEY}: visible\n".encode()
    encrypted = encrypt(plain, "yaml", config={"age": keys.age.recipient, rule: EXPLOSIVE_PATTERN})
    assert b"hunter2" not in encrypted or b"visible" not in encrypted
    # Python's backtracking `re` would not return from this call in the lifetime of the universe.
    decrypted = decrypt_document(encrypted, keys.ring("age"), file="hostile.yaml", input_format=Format.YAML)
    assert yaml.safe_load(decrypted) == {"aaaa": "hunter2", LONG_KEY: "visible"}


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        pytest.param("encrypted_regex", r"^(a)\1$", id="backreference"),
        pytest.param("unencrypted_regex", "^(?=kind)", id="lookahead"),
        pytest.param("encrypted_comment_regex", "(?<!x)enc", id="lookbehind"),
        pytest.param("unencrypted_regex", "a{1000}{1000}", id="too-large"),
    ],
)
def test_a_regex_rule_re2_cannot_compile_is_a_clear_error(
    encrypt: Encrypt, keys: Keys, rule: str, pattern: str
) -> None:
    encrypted = encrypt(b"data: hunter2\nkind: Secret\n", "yaml", config={"age": keys.age.recipient, rule: "^data$"})
    edited = encrypted.replace(f"{rule}: ^data$".encode(), f"{rule}: '{pattern}'".encode())
    assert edited != encrypted
    message = rf"^hostile\.yaml: the sops metadata's {rule} is not a valid RE2 regular expression \(.+\)"
    with pytest.raises(InvalidDocument, match=message):
        decrypt_document(edited, keys.ring("age"), file="hostile.yaml", input_format=Format.YAML)


def alias_bomb(levels: int) -> bytes:
    """YAML of a few hundred bytes whose last list expands to 10**levels values through aliases."""
    lines = ["bomb0_unencrypted: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"bomb{n}_unencrypted: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "\n".join(lines).encode() + b"\n"


def test_a_yaml_alias_bomb_is_refused_before_it_expands(encrypt: Encrypt, keys: Keys) -> None:
    encrypted = encrypt(b"password: hunter2\n", "yaml", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})
    bomb = alias_bomb(9)  # 10**9 values: expanding them would take hours and all the memory there is
    assert len(bomb) < 2000
    with pytest.raises(InvalidDocument, match=r"^hostile\.yaml: YAML aliases are not allowed .*line 2") as caught:
        decrypt_document(bomb + encrypted, keys.ring("age"), file="hostile.yaml", input_format=Format.YAML)
    assert "hunter2" not in str(caught.value)


def test_an_anchor_without_alias_is_still_read(encrypt: Encrypt, keys: Keys) -> None:
    encrypted = encrypt(b"password: hunter2\n", "yaml", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})
    anchored = encrypted.replace(b"password: ENC[", b"password: &pw ENC[")
    assert anchored != encrypted
    decrypted = decrypt_document(anchored, keys.ring("age"), file="anchored.yaml", input_format=Format.YAML)
    assert yaml.safe_load(decrypted) == {"password": "hunter2"}


@pytest.mark.parametrize(
    "threshold",
    [
        pytest.param(".inf", id="infinity"),
        pytest.param("-.inf", id="minus-infinity"),
        pytest.param(".nan", id="nan"),
        pytest.param("1e400", id="overflowing-float"),
        pytest.param("-1", id="negative"),
        pytest.param("1.5", id="fraction"),
        pytest.param("256", id="over-255"),
        pytest.param("9" * 20, id="over-int64"),
        pytest.param("two", id="text"),
    ],
)
def test_an_unusable_shamir_threshold_is_a_clear_error(encrypt: Encrypt, keys: Keys, threshold: str) -> None:
    config = {"shamir_threshold": 2, "key_groups": [{"age": [keys.age.recipient]}, {"age": [keys.age2.recipient]}]}
    encrypted = encrypt(b"password: hunter2\n", "yaml", config=config)
    edited = encrypted.replace(b"shamir_threshold: 2", f"shamir_threshold: {threshold}".encode())
    assert edited != encrypted
    message = r"^hostile\.yaml: the sops metadata's shamir_threshold must be a whole number from 0 to 255"
    with pytest.raises(InvalidDocument, match=message):
        decrypt_document(edited, keys.ring("age", "age2"), file="hostile.yaml", input_format=Format.YAML)


def test_a_number_too_long_to_read_is_an_invalid_document(encrypt: Encrypt, keys: Keys) -> None:
    encrypted = encrypt(b"password: hunter2\n", "yaml", env={"SOPS_AGE_RECIPIENTS": keys.age.recipient})
    edited = b"count_unencrypted: " + b"9" * 5000 + b"\n" + encrypted
    with pytest.raises(InvalidDocument, match=r"^hostile\.yaml: not valid YAML"):
        decrypt_document(edited, keys.ring("age"), file="hostile.yaml", input_format=Format.YAML)
