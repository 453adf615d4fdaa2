"""S7's curve: one scenario per size, the medians against N, the least-squares cost per unit, the SVG plot."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from bench.__main__ import parse
from bench.curve import main, plot, slope
from bench.report import Measurement, Report
from bench.runner import instances


def test_the_slope_is_the_least_squares_cost_of_one_more_unit() -> None:
    assert slope([(100, 12.0), (500, 52.0), (1000, 102.0)]) == pytest.approx(0.1)
    assert slope([(100, 10.0), (500, 30.0), (1000, 45.0)]) == pytest.approx(0.0385, abs=1e-4)
    assert slope([(100, 10.0)]) is None
    assert slope([(100, 10.0), (100, 12.0)]) is None


def test_s7_runs_once_per_size_under_its_own_name_with_flux_s_concurrency() -> None:
    options, _, plot_path = parse(["--scenarios", "S1,S7", "--s7-sizes", "10,5", "--plot", "s7.svg"])
    assert plot_path == Path("s7.svg")
    scenarios = instances(options)
    assert [(s.name, s.procedure) for s in scenarios] == [("S1", "S1"), ("S7 N=5", "S7-5"), ("S7 N=10", "S7-10")]
    assert (scenarios[1].concurrency.kustomize, scenarios[1].concurrency.source) == (20, 10)
    assert scenarios[0].concurrency.kustomize == 4
    with pytest.raises(SystemExit):
        parse(["--s7-sizes", "0"])


def test_the_report_fits_each_side_and_the_plot_draws_it(tmp_path: Path) -> None:
    options, _, _ = parse(["--scenarios", "S7", "--s7-sizes", "100,500"])
    report = Report(scenarios=instances(options), sides=["flux", "reflow"])
    report.measurements = [
        Measurement(scenario=f"S7-{n}", side=side, repetition=0, metrics={"seconds": n * cost, "api_calls": n * 10.0})
        for n in (100, 500)
        for side, cost in (("flux", 0.25), ("reflow", 0.1))
    ]
    assert report.curves()["S7"]["reflow"]["seconds"] == [(100.0, 10.0), (500.0, 50.0)]
    assert report.slopes()["S7"]["flux"]["seconds"] == pytest.approx(0.25)
    table = report.table()
    assert "**S7 N=500** MTTP" in table
    assert "| seconds | 0.25 | 0.1 | 0.40 |" in table
    assert "| api_calls | 10 | 10 | 1.00 |" in table

    results = tmp_path / "results.json"
    report.write_json(results)
    assert json.loads(results.read_text())["slopes"]["S7"]["reflow"]["api_calls"] == pytest.approx(10.0)
    drawn = tmp_path / "s7.svg"
    assert main([str(results), str(drawn)]) == 0
    assert drawn.read_text() == plot(report.curves()["S7"])
    svg = ElementTree.fromstring(drawn.read_text())
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 4 + 2 * 2 + 2  # axes; both sides in two panels; Flux's published seconds and RSS
