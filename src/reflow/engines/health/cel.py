"""CEL in health checks: Flux's `healthCheckExprs` status reader and the `dependsOn` `readyExpr` check.

Both follow fluxcd/pkg `runtime/cel`. A health expression is parsed but not type-checked, because a
custom resource's top-level fields are not known in advance: each top-level field of the object is a
variable (`status.conditions…`, `metadata.generation`). A `readyExpr` is compiled and type-checked
against two declared variables, `self` and `dep`, and must yield a bool. Both get Flux's library
additions: the strings extension and optional field access (`status.?conditions.orValue([])`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from cel_expr_python import cel
from cel_expr_python.ext import ext_optional, ext_strings

from reflow.api.kustomize import CustomHealthCheck
from reflow.api.meta import Manifest, group_of

from .fields import kind_of, lookup
from .status import ObjectStatus, Status

StatusReader = Callable[[Manifest], ObjectStatus | None]
"""A status override: an object's status, or None to leave the object to kstatus."""

REASON = "HealthCheckExpression"
"""The reason on the Reconciling/Stalled condition a CEL verdict implies."""


def _extensions() -> list[cel.CelExtensionBase]:
    return [ext_strings.ExtStrings(), ext_optional.ExtOptional()]


_OBJECT_ENV = cel.NewEnv(extensions=_extensions())
_DEPENDENCY_ENV = cel.NewEnv(
    variables={"self": cel.Type.DYN, "dep": cel.Type.DYN},
    extensions=_extensions(),
)


class InvalidExpression(ValueError):
    """A CEL expression that does not parse (or, for `readyExpr`, does not type-check to a bool)."""


class EvaluationError(ValueError):
    """A CEL expression failed on an object: a missing field, a wrong type, or a non-bool result."""


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed CEL expression that evaluates to a bool over a map of variables."""

    text: str
    program: cel.Expression

    def evaluate(self, variables: Mapping[str, object]) -> bool:
        """The expression's value; raises EvaluationError when it fails or is not a bool."""
        try:
            value = self.program.eval(data=variables)
        except (RuntimeError, TypeError, ValueError) as err:
            raise EvaluationError(f"failed to evaluate the CEL expression '{self.text}': {err}") from err
        if value.type() == cel.Type.ERROR:
            raise EvaluationError(f"failed to evaluate the CEL expression '{self.text}': {value.value()}")
        result = value.value()
        if not isinstance(result, bool):
            raise EvaluationError(f"failed to evaluate the CEL expression as boolean: '{self.text}'")
        return result


def parse(text: str, *, what: str = "expression") -> Expression:
    """An unchecked expression whose variables are an object's top-level fields; `what` names it in errors."""
    if not text:
        raise InvalidExpression(f"{what} not specified")
    try:
        program = _OBJECT_ENV.compile(text, disable_check=True)
    except RuntimeError as err:
        raise InvalidExpression(f"failed to parse the {what} '{text}': {_first_line(err)}") from err
    return Expression(text, program)


def ready_expression(text: str) -> Expression:
    """A `readyExpr`, type-checked over the variables `self` and `dep` and required to yield a bool."""
    try:
        program = _DEPENDENCY_ENV.compile(text)
    except RuntimeError as err:
        raise InvalidExpression(f"failed to parse the CEL expression '{text}': {_first_line(err)}") from err
    if program.return_type() != cel.Type.BOOL:
        output = program.return_type().name().lower()
        raise InvalidExpression(f"CEL expression '{text}' output type mismatch: expected bool, got {output}")
    return Expression(text, program)


def dependency_ready(expression: Expression, self_obj: Manifest, dep: Manifest) -> bool:
    """Whether `readyExpr` holds for a dependency `dep` of the object `self_obj`; raises EvaluationError."""
    return expression.evaluate({"self": self_obj, "dep": dep})


def _first_line(err: Exception) -> str:
    """cel-cpp's message without its source excerpt and status code: `ERROR: <input>:1:6: Syntax error: …`."""
    return str(err).removeprefix("INVALID_ARGUMENT: ").splitlines()[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthRule:
    """The expressions for one API group (and optionally one kind), ready to evaluate."""

    group: str
    kind: str | None
    current: Expression
    in_progress: Expression | None = None
    failed: Expression | None = None

    def status(self, obj: Manifest) -> ObjectStatus:
        """Flux's verdict: InProgress for a stale observedGeneration, then the first true of
        `inProgress` → `failed` → `current`, else InProgress; Unknown when an expression fails."""
        observed, has_observed = lookup(obj, "status.observedGeneration")
        generation, has_generation = lookup(obj, "metadata.generation")
        if has_observed and has_generation and observed != generation:
            message = f"expected generation {generation}, observed generation {observed}"
            return ObjectStatus.in_progress(REASON, message)
        steps = ((self.in_progress, Status.IN_PROGRESS), (self.failed, Status.FAILED), (self.current, Status.CURRENT))
        for expression, status in steps:
            if expression is None:
                continue
            try:
                matched = expression.evaluate(obj)
            except EvaluationError as err:
                return ObjectStatus.unknown(str(err))
            if matched:
                return _verdict(status, expression.text)
        return ObjectStatus.in_progress(REASON, "no health check expression is true")


def _verdict(status: Status, text: str) -> ObjectStatus:
    message = f"health check expression is true: {text}"
    if status is Status.CURRENT:
        return ObjectStatus.current(message)
    if status is Status.FAILED:
        return ObjectStatus.failed(REASON, message)
    return ObjectStatus.in_progress(REASON, message)


def health_rule(check: CustomHealthCheck) -> HealthRule:
    """Parse one `healthCheckExprs` entry; InvalidExpression names the field and the expression."""
    group = check.api_version.rpartition("/")[0]

    def optional(text: str | None, what: str) -> Expression | None:
        return parse(text, what=what) if text else None

    try:
        return HealthRule(
            group=group,
            kind=check.kind or None,
            current=parse(check.current, what="expression Current"),
            in_progress=optional(check.in_progress, "expression InProgress"),
            failed=optional(check.failed, "expression Failed"),
        )
    except InvalidExpression as err:
        where = f"{check.api_version}" + (f"/{check.kind}" if check.kind else "")
        raise InvalidExpression(f"healthCheckExprs for {where}: {err}") from err


@dataclass(frozen=True, slots=True)
class CELStatusReader:
    """Reads the status of objects a rule matches by group (version ignored) and kind; None for others.

    A rule naming the object's kind wins over one for its whole group.
    """

    rules: tuple[HealthRule, ...]

    def rule_for(self, obj: Manifest) -> HealthRule | None:
        api_version = obj.get("apiVersion")
        group = group_of(api_version) if isinstance(api_version, str) else ""
        kind = kind_of(obj)
        same_group = [rule for rule in self.rules if rule.group == group]
        specific = next((rule for rule in same_group if rule.kind == kind), None)
        return specific or next((rule for rule in same_group if rule.kind is None), None)

    def __call__(self, obj: Manifest) -> ObjectStatus | None:
        rule = self.rule_for(obj)
        return None if rule is None else rule.status(obj)


def status_reader(checks: Iterable[CustomHealthCheck]) -> CELStatusReader:
    """A reader for a Kustomization's `healthCheckExprs`; raises InvalidExpression for a bad one."""
    return CELStatusReader(tuple(health_rule(check) for check in checks))
