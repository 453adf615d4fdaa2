"""Go durations parse to seconds exactly as Flux writes them, and bad ones are refused with the text."""

from __future__ import annotations

import pytest

from reflow.api.duration import format_duration, go_duration_string, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("1m", 60.0, id="minutes"),
        pytest.param("1m30s", 90.0, id="compound"),
        pytest.param("500ms", 0.5, id="milliseconds"),
        pytest.param("2h", 7200.0, id="hours"),
        pytest.param("1.5s", 1.5, id="fraction"),
        pytest.param("1h0m0s", 3600.0, id="go-formatted"),
    ],
)
def test_parse_duration_gives_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "1d", "-1s", "1 m", "m1"])
def test_parse_duration_refuses_text_that_is_not_a_go_duration(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(90, "1m30s"), (0.25, "250ms"), (3600, "1h"), (0, "0s"), (61, "1m1s")],
)
def test_format_duration_writes_go_style(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0, "0s", id="zero"),
        pytest.param(600, "10m0s", id="interval-minutes"),
        pytest.param(3600, "1h0m0s", id="hour-keeps-zero-units"),
        pytest.param(3723.5, "1h2m3.5s", id="all-units"),
        pytest.param(1.234567891, "1.234567891s", id="nanosecond-fraction"),
        pytest.param(0.25, "250ms", id="milliseconds"),
        pytest.param(0.0015, "1.5ms", id="fractional-milliseconds"),
        pytest.param(1.2e-6, "1.2µs", id="microseconds"),
        pytest.param(5e-9, "5ns", id="nanoseconds"),
        pytest.param(-90, "-1m30s", id="negative"),
    ],
)
def test_go_duration_string_prints_what_go_prints(seconds: float, text: str) -> None:
    assert go_duration_string(seconds) == text
