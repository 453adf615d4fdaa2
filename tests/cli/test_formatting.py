"""The CLI's pure pieces: Go durations, sizes, flag parsing, status selection and the reconcile predicate."""

from __future__ import annotations

import click
import pytest

from reflow.api.meta import Manifest
from reflow.cli.get import StatusSelector
from reflow.cli.manifests import parse_source, safe_relative_path
from reflow.cli.progress import handled
from reflow.cli.render import go_duration, size, table
from reflow.engines.flux.requests import request_token


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0, "0s", id="zero"),
        pytest.param(0.5, "500ms", id="millis"),
        pytest.param(30, "30s", id="seconds"),
        pytest.param(60, "1m0s", id="minute"),
        pytest.param(90, "1m30s", id="minute-and-half"),
        pytest.param(3600, "1h0m0s", id="hour"),
        pytest.param(5400.5, "1h30m0.5s", id="fraction"),
    ],
)
def test_go_duration_writes_durations_as_go_does(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [(None, "-"), (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (65536, "64.0 KiB"), (3 * 1024**3, "3.0 GiB")],
)
def test_size_uses_binary_units(count: int | None, text: str) -> None:
    assert size(count) == text


def test_table_has_no_trailing_blanks_and_can_drop_the_header() -> None:
    text = table(("NAME", "READY"), [["a", "True"], ["longer", "False"]])
    assert text == "NAME     READY\na        True\nlonger   False\n"
    assert table(("NAME",), [["a"]], header=False) == "a\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("podinfo", {"kind": "GitRepository", "name": "podinfo"}, id="name-only"),
        pytest.param(
            "OCIRepository/app.apps",
            {"kind": "OCIRepository", "name": "app", "namespace": "apps"},
            id="kind-name-namespace",
        ),
        pytest.param("bucket/b", {"kind": "Bucket", "name": "b"}, id="kind-case-insensitive"),
    ],
)
def test_parse_source(text: str, expected: Manifest) -> None:
    assert parse_source(text) == expected


def test_parse_source_rejects_unknown_kinds() -> None:
    with pytest.raises(click.BadParameter):
        parse_source("HelmRepository/x")


@pytest.mark.parametrize(
    ("path", "expected"), [("./apps", "./apps"), ("apps/", "./apps"), (".", "./"), ("a/../b", "./b")]
)
def test_safe_relative_path(path: str, expected: str) -> None:
    assert safe_relative_path(path) == expected


def _obj(ready: str | None, *, generation: int = 2, observed: int = 2, handled_token: str | None = None) -> Manifest:
    status: Manifest = {"observedGeneration": observed}
    if ready:
        status["conditions"] = [{"type": "Ready", "status": ready, "message": "m"}]
    if handled_token:
        status["lastHandledReconcileAt"] = handled_token
    return {"metadata": {"generation": generation}, "status": status}


@pytest.mark.parametrize(
    ("obj", "token", "expected"),
    [
        pytest.param(None, None, False, id="absent"),
        pytest.param(_obj("True"), None, True, id="ready-current-generation"),
        pytest.param(_obj("True", observed=1), None, False, id="old-generation"),
        pytest.param(_obj("Unknown"), None, False, id="in-progress"),
        pytest.param(_obj("False"), None, True, id="failed-is-handled"),
        pytest.param(_obj("True", handled_token="t1"), "t2", False, id="other-token"),
        pytest.param(_obj("True", handled_token="t2"), "t2", True, id="token-handled"),
    ],
)
def test_handled_decides_when_a_reconcile_request_is_answered(
    obj: Manifest | None, token: str | None, expected: bool
) -> None:
    assert handled(obj, token) is expected


def test_request_token_is_rfc3339_utc() -> None:
    token = request_token()
    assert token.endswith("Z")
    assert token[10] == "T"


def test_status_selector_parses_and_matches() -> None:
    failing = StatusSelector.parse("ready=false")
    assert failing.matches(_obj("False"))
    assert not failing.matches(_obj("True"))
    assert StatusSelector.parse("Ready!=True").matches(_obj(None))
    with pytest.raises(click.BadParameter):
        StatusSelector.parse("ready")
