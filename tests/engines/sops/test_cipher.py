"""AES-GCM values and MAC bytes: sops's own cipher test vectors and Go's number formatting."""

from __future__ import annotations

import pytest

from reflow.engines.sops import cipher

SOPS_VECTOR = (
    "ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,tag:t5z2Z023Up0kxwCgw1gNxg==,type:str]"
)
SOPS_KEY = b"f" * 32


def test_sops_vector_decrypts_to_foo() -> None:
    assert cipher.decrypt_value(SOPS_VECTOR, SOPS_KEY, "bar:") == "foo"


def test_wrong_additional_data_is_refused_without_quoting_the_value() -> None:
    with pytest.raises(cipher.CipherError, match="authentication failed") as caught:
        cipher.decrypt_value(SOPS_VECTOR, SOPS_KEY, "")
    assert "foo" not in str(caught.value)


def test_empty_value_stays_empty() -> None:
    assert cipher.decrypt_value("", SOPS_KEY, "a:") == ""


@pytest.mark.parametrize(
    ("plain", "kind", "expected"),
    [
        pytest.param(b"42", "int", 42, id="int"),
        pytest.param(b"1.5", "float", 1.5, id="float"),
        pytest.param(b"True", "bool", True, id="bool-title"),
        pytest.param(b"false", "bool", False, id="bool-lower"),
        pytest.param(b"\x00\xff", "bytes", b"\x00\xff", id="bytes"),
        pytest.param(b"2024-05-01T10:00:00Z", "time", "2024-05-01T10:00:00Z", id="time"),
    ],
)
def test_types_read_back(plain: bytes, kind: str, expected: object) -> None:
    assert cipher.typed(plain, kind) == expected


def test_conversion_errors_do_not_quote_the_plaintext() -> None:
    with pytest.raises(cipher.CipherError) as caught:
        cipher.typed(b"hunter2", "int")
    assert "hunter2" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1.0, "1", id="integral"),
        pytest.param(0.25, "0.25", id="fraction"),
        pytest.param(1e22, "10000000000000000000000", id="no-exponent"),
        pytest.param(1.5e-7, "0.00000015", id="small"),
        pytest.param(-0.0, "-0", id="negative-zero"),
    ],
)
def test_floats_hash_as_go_formats_them(value: float, expected: str) -> None:
    assert cipher.go_float(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, b"True", id="true"),
        pytest.param(False, b"False", id="false"),
        pytest.param(7, b"7", id="int"),
        pytest.param("x", b"x", id="str"),
    ],
)
def test_mac_bytes_match_sops(value: object, expected: bytes) -> None:
    assert cipher.mac_bytes(value) == expected
