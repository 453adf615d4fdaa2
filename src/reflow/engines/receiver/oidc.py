"""`generic-oidc` Receivers: the bearer token's signature, issuer, audience and lifetime checked against the issuer's
keys, then the provider's CEL `variables` and `validations` over the verified claims.

Pure: the keys come in as a JWKS document (see `issuer.py` for discovery and fetching).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cel_expr_python import cel
from cel_expr_python.ext import ext_strings

from reflow.api.notification import OIDCProvider, ReceiverSpec

from .validate import Hook, InvalidHook

DEFAULT_AUDIENCE = "notification-controller"
"""The `aud` a token must carry when the provider names no audience (Flux's default)."""
DEFAULT_ALGORITHMS = ("RS256",)
"""Signature algorithms accepted when the discovery document lists none (OpenID Connect's mandatory one)."""
SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}
)
NOT_BEFORE_LEEWAY = 300
"""Seconds a token may be used before its `nbf` (clock skew), as OpenID clients allow; `exp` has none."""
ISSUER_PATTERN = re.compile(r"^https?://")

_ENV = cel.NewEnv(variables={"claims": cel.Type.DYN, "vars": cel.Type.DYN}, extensions=[ext_strings.ExtStrings()])


class InvalidProviders(ValueError):
    """`oidcProviders` that break the API's rules (an API server that skipped the schema): ValidationFailed."""


class InvalidExpression(ValueError):
    """A variable or validation that does not compile (or a validation that is not a bool): InvalidCELExpression."""


@dataclass(frozen=True, slots=True)
class Rules:
    """A provider's compiled CEL: variables in order, then validations with their messages."""

    variables: tuple[tuple[str, cel.Expression], ...]
    validations: tuple[tuple[str, cel.Expression], ...]

    def judge(self, claims: Mapping[str, Any]) -> None:
        """Evaluate the variables into `vars`, then every validation; InvalidHook lists each failed message."""
        values: dict[str, Any] = {}
        data = {"claims": _cel_value(dict(claims)), "vars": values}
        for name, program in self.variables:
            result = _evaluate(program, data)
            if result.type() == cel.Type.ERROR:
                raise InvalidHook(f"failed to evaluate variable {name!r}: {result.value()}")
            values[name] = result.plain_value()
        failures = []
        for message, program in self.validations:
            result = _evaluate(program, data)
            if result.type() == cel.Type.ERROR or not isinstance(result.value(), bool):
                raise InvalidHook(f"failed to evaluate validation: {result.value()}")
            if not result.value():
                failures.append(message)
        if failures:
            raise InvalidHook(f"token validation failed: {'; '.join(failures)}")


INT64 = range(-(2**63), 2**63)


def _cel_value(value: Any) -> Any:
    """JSON claims as CEL takes them: integers beyond 64 bits become floats (as Go's JSON numbers are)."""
    if isinstance(value, dict):
        return {key: _cel_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cel_value(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
        return float(value)
    return value


def _evaluate(program: cel.Expression, data: Mapping[str, Any]) -> Any:
    try:
        return program.eval(data=data)
    except (RuntimeError, TypeError, ValueError) as err:
        raise InvalidHook(f"failed to evaluate the token's claims: {err}") from err


def _compile(text: str, what: str, *, boolean: bool) -> cel.Expression:
    try:
        program = _ENV.compile(text)
    except RuntimeError as err:
        first = str(err).removeprefix("INVALID_ARGUMENT: ").splitlines()[0]
        raise InvalidExpression(f"invalid expression for {what}: {first}") from err
    if boolean and program.return_type() not in (cel.Type.BOOL, cel.Type.DYN):
        output = program.return_type().name().lower()
        raise InvalidExpression(f"invalid expression for {what}: output type mismatch: expected bool, got {output}")
    return program


def compile_rules(provider: OIDCProvider) -> Rules:
    """The provider's variables and validations compiled over `claims` and `vars`; InvalidExpression otherwise."""
    variables = tuple(
        (item.name, _compile(item.expression, f"variable {item.name!r}", boolean=False)) for item in provider.variables
    )
    validations = tuple(
        (item.message, _compile(item.expression, f"validation {item.message!r}", boolean=True))
        for item in provider.validations
    )
    return Rules(variables, validations)


def check_receiver(spec: ReceiverSpec) -> None:
    """The Receiver's OIDC rules, for an API server that skipped the CRD's CEL: `generic-oidc` and only it has
    `oidcProviders` and no `secretRef`; then `check_providers`."""
    oidc = spec.type == "generic-oidc"
    if oidc and not spec.oidc_providers:
        raise InvalidProviders("generic-oidc receiver requires at least one oidcProvider")
    if not oidc and spec.oidc_providers:
        raise InvalidProviders("oidcProviders can only be set when type is generic-oidc")
    if oidc and spec.secret_ref is not None:
        raise InvalidProviders("secretRef cannot be set when type is generic-oidc")
    if not oidc and spec.secret_ref is None:
        raise InvalidProviders("secretRef is required when type is not generic-oidc")
    check_providers(spec.oidc_providers)


def check_providers(providers: Sequence[OIDCProvider]) -> None:
    """The API's rules on `oidcProviders` (InvalidProviders), then every expression compiled (InvalidExpression)."""
    seen: set[str] = set()
    for index, provider in enumerate(providers):
        where = f"oidcProviders[{index}] (issuerURL={provider.issuer_url!r})"
        if not ISSUER_PATTERN.match(provider.issuer_url):
            raise InvalidProviders(f"{where}: issuerURL must start with http:// or https://")
        if provider.issuer_url in seen:
            raise InvalidProviders(f"{where}: duplicate issuerURL")
        seen.add(provider.issuer_url)
        if not provider.validations:
            raise InvalidProviders(f"{where}: at least one validation is required; without validations anyone who "
                                   "can obtain a token from this issuer could trigger the Receiver")  # fmt: skip
        if any(not item.name or not item.expression for item in provider.variables):
            raise InvalidProviders(f"{where}: every variable needs a name and an expression")
        if any(not item.expression or not item.message for item in provider.validations):
            raise InvalidProviders(f"{where}: every validation needs an expression and a message")
    for index, provider in enumerate(providers):
        try:
            compile_rules(provider)
        except InvalidExpression as err:
            raise InvalidExpression(f"oidcProviders[{index}] (issuerURL={provider.issuer_url!r}): {err}") from err


def bearer_token(hook: Hook) -> str:
    """The token of `Authorization: Bearer <token>`; InvalidHook when the header is missing or malformed."""
    header = hook.header("Authorization")
    if not header.startswith("Bearer "):
        raise InvalidHook("the Authorization header is missing or malformed")
    token = header.removeprefix("Bearer ").strip()
    if not token:
        raise InvalidHook("the Authorization header is missing a bearer token")
    return token


def unverified_claims(token: str) -> dict[str, Any]:
    """The token's claims, read without verifying anything (empty when its payload is not a JSON object)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidHook("failed to parse bearer token: token is not a JWT")
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidHook("failed to parse bearer token: the payload is not base64url JSON") from err
    return payload if isinstance(payload, dict) else {}


def unverified_issuer(token: str) -> str:
    """The token's `iss`, read without verifying anything: only to pick the provider that will verify it."""
    issuer = unverified_claims(token).get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidHook("failed to parse bearer token: token is missing the 'iss' claim")
    return issuer


def provider_for(providers: Sequence[OIDCProvider], issuer: str) -> OIDCProvider:
    """The provider whose `issuerURL` is exactly the token's issuer; InvalidHook when none is."""
    for provider in providers:
        if provider.issuer_url == issuer:
            return provider
    raise InvalidHook(f"no oidcProvider configured for issuer {issuer[:256]!r}")


def key_id(token: str) -> str | None:
    """The `kid` of the token's header, when it names one."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError as err:
        raise InvalidHook(f"failed to parse bearer token: {err}") from err
    return kid if isinstance(kid, str) else None


def verify_token(
    token: str, *, issuer: str | None, audience: str, jwks: Mapping[str, Any], algorithms: Sequence[str], now: float
) -> dict[str, Any]:
    """The claims of a token signed by one of the keys with an accepted algorithm, for this issuer (any issuer when
    None: the caller checks `iss`) and audience, not expired (and not used before `nbf`, within the leeway);
    InvalidHook says what failed."""
    try:
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in algorithms:
            raise InvalidHook(f"signing algorithm {str(algorithm)[:16]!r} not accepted")
        kid = header.get("kid")
        keys = [item for item in jwks.get("keys", []) if isinstance(item, dict)]
        candidates = [item for item in keys if kid is None or item.get("kid") == kid]
        if not candidates:
            raise InvalidHook("no key of the issuer matches the token's key id")
        claims = _decode(token, candidates, algorithm, issuer=issuer, audience=audience, now=now)
    except jwt.PyJWTError as err:
        raise InvalidHook(str(err)) from err
    not_before = claims.get("nbf")
    if isinstance(not_before, int | float) and now + NOT_BEFORE_LEEWAY < not_before:
        raise InvalidHook("current time before the nbf (not before) time")
    return claims


def _decode(
    token: str, keys: list[dict[str, Any]], algorithm: str, *, issuer: str | None, audience: str, now: float
) -> dict[str, Any]:
    """Decode with the first key whose signature verifies (several keys may share no `kid`)."""
    problem: jwt.PyJWTError = jwt.InvalidSignatureError("Signature verification failed")
    required = ["exp", "aud"] if issuer is None else ["exp", "iss", "aud"]
    options: Any = {"require": required, "verify_iat": False, "verify_nbf": False, "verify_exp": False}
    for item in keys:
        try:
            key = jwt.PyJWK(item, algorithm)
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=[algorithm], audience=audience,
                                                issuer=issuer, options=options)  # fmt: skip
        except jwt.InvalidSignatureError as err:
            problem = err
            continue
        except jwt.PyJWKError as err:
            problem = jwt.InvalidKeyError(str(err))
            continue
        expiry = claims.get("exp")
        if not isinstance(expiry, int | float) or expiry <= now:
            raise jwt.ExpiredSignatureError("token is expired")
        return claims
    raise problem
