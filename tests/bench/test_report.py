"""The table compares reflow with each scenario's own baseline: Flux's controllers, or the Helm CLI for S5."""

from __future__ import annotations

from bench.report import Measurement, Report
from bench.scenarios import SCENARIOS


def test_each_scenario_is_compared_with_its_baseline() -> None:
    helm, push = SCENARIOS["S5"](), SCENARIOS["S4"]()
    report = Report(scenarios=[push, helm], sides=["flux", "helm", "reflow"])
    report.measurements = [
        Measurement(scenario="S5", side="helm", repetition=0, metrics={"install_s": 40.0}),
        Measurement(scenario="S5", side="reflow", repetition=0, metrics={"install_s": 48.0}),
        Measurement(scenario="S4", side="flux", repetition=0, metrics={"p50_s": 0.4}),
        Measurement(scenario="S4", side="reflow", repetition=0, metrics={"p50_s": 0.2}),
    ]
    table = report.table()
    assert "| metric | helm | reflow | reflow/helm |" in table
    assert "| install_s | 40 (n=1) | 48 (n=1) | 1.20 |" in table
    assert "| metric | flux | reflow | reflow/flux |" in table
    assert "| p50_s | 0.4 (n=1) | 0.2 (n=1) | 0.50 |" in table
    assert set(report.medians()["S5"]) == {"helm", "reflow"}
