"""Bash-style `${var}` substitution as Flux's postBuild applies it (a port of fluxcd/pkg envsubst)."""

from __future__ import annotations

from reflow.engines.envsubst.evaluate import (
    DEFAULT_OPERATORS,
    Lookup,
    VariableNotSet,
    evaluate,
    render,
    substitute,
)
from reflow.engines.envsubst.parse import (
    MAX_DEPTH,
    BadArgument,
    BadDefault,
    BadSubstitution,
    BadVariableName,
    Expansion,
    MissingClosingBrace,
    NestedTooDeep,
    SubstitutionSyntaxError,
    Template,
    Text,
    parse,
)
from reflow.engines.envsubst.postbuild import (
    InvalidVariableName,
    check_names,
    merge_variables,
    substitute_documents,
    substitute_manifest_text,
    substitution_disabled,
)

__all__ = [
    "DEFAULT_OPERATORS",
    "MAX_DEPTH",
    "BadArgument",
    "BadDefault",
    "BadSubstitution",
    "BadVariableName",
    "Expansion",
    "InvalidVariableName",
    "Lookup",
    "MissingClosingBrace",
    "NestedTooDeep",
    "SubstitutionSyntaxError",
    "Template",
    "Text",
    "VariableNotSet",
    "check_names",
    "evaluate",
    "merge_variables",
    "parse",
    "render",
    "substitute",
    "substitute_documents",
    "substitute_manifest_text",
    "substitution_disabled",
]
