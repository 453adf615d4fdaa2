"""A tool's arguments: checked against its schema, defaults filled in, every refusal saying what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from reflow.mcp.tool import NAMESPACE, BadArguments, Param, Tool


async def _echo(context: str, arguments: Mapping[str, Any]) -> str:
    return f"{context} {dict(arguments)}"


TOOL = Tool(
    name="list_things",
    description="List things.",
    params=(
        Param(name="kind", type="string", description="Kind.", enum=("a", "b"), required=True),
        Param(name="limit", type="integer", description="Per page.", default=50, minimum=1, maximum=500),
        NAMESPACE,
    ),
    run=_echo,
)


def test_the_schema_is_an_object_of_the_parameters_and_nothing_else() -> None:
    schema = TOOL.schema()
    assert schema["required"] == ["kind"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["kind"] == {"type": "string", "description": "Kind.", "enum": ["a", "b"]}
    assert schema["properties"]["limit"] == {
        "type": "integer", "description": "Per page.", "default": 50, "minimum": 1, "maximum": 500
    }  # fmt: skip


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param({}, "kind is required", id="missing"),
        pytest.param({"kind": "c"}, "kind must be one of a, b", id="outside-enum"),
        pytest.param({"kind": "a", "limit": True}, "limit must be a integer", id="bool-is-no-integer"),
        pytest.param({"kind": "a", "limit": 501}, "limit must be between 1 and 500", id="above-maximum"),
        pytest.param({"kind": "a", "verbose": True}, "unknown argument verbose", id="unknown"),
    ],
)
def test_wrong_arguments_are_refused_with_the_reason(given: dict[str, Any], message: str) -> None:
    with pytest.raises(BadArguments, match=message):
        TOOL.arguments(given)


def test_defaults_fill_what_the_call_left_out() -> None:
    assert TOOL.arguments({"kind": "b"}) == {"kind": "b", "limit": 50, "namespace": None}
