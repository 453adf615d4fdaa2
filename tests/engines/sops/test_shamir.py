"""sops's Shamir scheme, with the test vectors of its shamir package."""

from __future__ import annotations

import itertools

import pytest

from reflow.engines.sops import shamir


@pytest.mark.parametrize(
    ("secret", "parts", "threshold"),
    [
        pytest.param(b"test", 0, 0, id="zero"),
        pytest.param(b"test", 2, 3, id="threshold-over-parts"),
        pytest.param(b"test", 1000, 3, id="too-many-parts"),
        pytest.param(b"test", 10, 1, id="threshold-one"),
        pytest.param(b"", 3, 2, id="empty-secret"),
    ],
)
def test_split_rejects_bad_parameters(secret: bytes, parts: int, threshold: int) -> None:
    with pytest.raises(shamir.ShamirError):
        shamir.split(secret, parts, threshold)


def test_split_makes_shares_one_byte_longer() -> None:
    out = shamir.split(b"test", 5, 3)
    assert len(out) == 5
    assert all(len(share) == 5 for share in out)


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param([], id="none"),
        pytest.param([b"foo", b"ba"], id="length-mismatch"),
        pytest.param([b"f", b"b"], id="too-short"),
        pytest.param([b"foo", b"foo"], id="duplicate"),
    ],
)
def test_combine_rejects_bad_parts(parts: list[bytes]) -> None:
    with pytest.raises(shamir.ShamirError):
        shamir.combine(parts)


def test_any_three_of_five_shares_recover_the_secret() -> None:
    out = shamir.split(b"test", 5, 3)
    for chosen in itertools.permutations(out, 3):
        assert shamir.combine(list(chosen)) == b"test"


def test_field_arithmetic() -> None:
    assert shamir.add(16, 16) == 0
    assert shamir.add(3, 4) == 7
    assert shamir.mult(3, 7) == 9
    assert shamir.mult(3, 0) == 0
    assert shamir.mult(0, 3) == 0
    assert shamir.div(0, 7) == 0
    assert shamir.div(3, 3) == 1
    assert shamir.div(6, 3) == 2


def test_polynomial_keeps_its_intercept() -> None:
    polynomial = shamir.random_polynomial(42, 2)
    assert polynomial[0] == 42
    assert shamir.evaluate(polynomial, 0) == 42
    linear = shamir.random_polynomial(42, 1)
    assert shamir.evaluate(linear, 1) == shamir.add(42, shamir.mult(1, linear[1]))


def test_interpolation_recovers_every_intercept() -> None:
    for intercept in range(256):
        polynomial = shamir.random_polynomial(intercept, 2)
        ys = [shamir.evaluate(polynomial, x) for x in (1, 2, 3)]
        assert shamir.interpolate([1, 2, 3], ys, 0) == intercept
