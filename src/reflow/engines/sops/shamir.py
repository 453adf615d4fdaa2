"""sops's Shamir secret sharing over GF(2^8) (HashiCorp Vault's scheme), used to split data keys across key groups.

Each share is the secret's bytes evaluated on one random polynomial per byte, followed by one byte:
the share's x coordinate (never 0). The field is AES's (x^8 + x^4 + x^3 + x + 1); products go through
log/exp tables, as in sops, with 0xe5 as generator.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 256
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value = _slow_mult(value, 0xE5)
    exp[255] = exp[0]
    return exp, log


def _slow_mult(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return product


_EXP, _LOG = _tables()


class ShamirError(ValueError):
    """Shares that cannot be combined, or split parameters out of range."""


def add(a: int, b: int) -> int:
    """Addition (and subtraction) in GF(2^8)."""
    return a ^ b


def mult(a: int, b: int) -> int:
    """Multiplication in GF(2^8)."""
    if a == 0 or b == 0:
        return 0
    return _EXP[(_LOG[a] + _LOG[b]) % 255]


def div(a: int, b: int) -> int:
    """Division in GF(2^8); dividing by zero is a programming error."""
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(2^8)")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def evaluate(coefficients: Sequence[int], x: int) -> int:
    """The polynomial with these coefficients (constant term first) at `x`, by Horner's method."""
    if x == 0:
        return coefficients[0]
    out = coefficients[-1]
    for coefficient in reversed(coefficients[:-1]):
        out = add(mult(out, x), coefficient)
    return out


def interpolate(xs: Sequence[int], ys: Sequence[int], x: int) -> int:
    """The value at `x` of the polynomial through the points `(xs[i], ys[i])` (Lagrange)."""
    result = 0
    for i, (xi, yi) in enumerate(zip(xs, ys, strict=True)):
        basis = 1
        for j, xj in enumerate(xs):
            if i != j:
                basis = mult(basis, div(add(x, xj), add(xi, xj)))
        result = add(result, mult(yi, basis))
    return result


def random_polynomial(intercept: int, degree: int) -> list[int]:
    """A random polynomial of `degree` whose value at 0 is `intercept`."""
    return [intercept, *secrets.token_bytes(degree)]


def split(secret: bytes, parts: int, threshold: int) -> list[bytes]:
    """`parts` shares of `secret`, any `threshold` of which recover it."""
    if parts < threshold:
        raise ShamirError("parts cannot be less than threshold")
    if parts > 255:
        raise ShamirError("parts cannot exceed 255")
    if threshold < 2:
        raise ShamirError("threshold must be at least 2")
    if threshold > 255:
        raise ShamirError("threshold cannot exceed 255")
    if not secret:
        raise ShamirError("cannot split an empty secret")
    xs = list(range(1, 256))
    secrets.SystemRandom().shuffle(xs)
    xs = xs[:parts]
    shares = [bytearray(len(secret) + 1) for _ in range(parts)]
    for share, x in zip(shares, xs, strict=True):
        share[-1] = x
    for index, byte in enumerate(secret):
        polynomial = random_polynomial(byte, threshold - 1)
        for share, x in zip(shares, xs, strict=True):
            share[index] = evaluate(polynomial, x)
    return [bytes(share) for share in shares]


def combine(parts: Sequence[bytes]) -> bytes:
    """The secret the shares were split from (given at least the threshold of them)."""
    if len(parts) < 2:
        raise ShamirError("less than two parts cannot be used to reconstruct the secret")
    size = len(parts[0])
    if size < 2:
        raise ShamirError("parts must be at least two bytes")
    if any(len(part) != size for part in parts):
        raise ShamirError("all parts must be the same length")
    xs = [part[-1] for part in parts]
    if len(set(xs)) != len(xs):
        raise ShamirError("duplicate part detected")
    return bytes(interpolate(xs, [part[index] for part in parts], 0) for index in range(size - 1))
