"""Results of a bench run: raw measurements, medians per side, the ratios to the baseline, as a table and as JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.curve import Curves, slope
from bench.scenarios.base import Metrics, Scenario

PLANE = "plane"
"""The side name of measurements that belong to no side (S0)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """One run of one scenario procedure on one side: its numbers, or the error that stopped it."""

    scenario: str
    side: str
    repetition: int
    metrics: Metrics = field(default_factory=dict)
    error: str | None = None


@dataclass(kw_only=True)
class Report:
    """Everything a bench run measured, and why a side did not run."""

    scenarios: list[Scenario]
    sides: list[str]
    unavailable: dict[str, str] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)

    def values(self, scenario: Scenario, side: str, metric: str) -> list[float]:
        """The metric's values over the successful runs of that scenario's procedure on that side."""
        return [
            m.metrics[metric]
            for m in self.measurements
            if m.scenario == scenario.procedure and m.side == side and m.error is None and metric in m.metrics
        ]

    def median(self, scenario: Scenario, side: str, metric: str) -> float | None:
        """The median, or None without values."""
        values = self.values(scenario, side, metric)
        return statistics.median(values) if values else None

    def errors(self, scenario: Scenario, side: str) -> list[str]:
        """The errors of the failed runs."""
        return [m.error for m in self.measurements if m.scenario == scenario.procedure and m.side == side and m.error]

    def medians(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """scenario → side → metric → median."""
        table: dict[str, dict[str, dict[str, float | None]]] = {}
        for scenario in self.scenarios:
            sides = [side for side in self.sides if side in _compared(scenario)] if scenario.per_side else [PLANE]
            table[scenario.name] = {
                side: {metric: self.median(scenario, side, metric) for metric in scenario.metrics} for side in sides
            }
        return table

    def curves(self) -> dict[str, Curves]:
        """Per sized scenario id (S7): side → metric → (N, median) over the sizes that have a median."""
        found: dict[str, Curves] = {}
        for scenario in sorted((s for s in self.scenarios if s.size and s.per_side), key=lambda s: s.size):
            for side in _compared(scenario):
                for metric in scenario.metrics:
                    value = self.median(scenario, side, metric)
                    if value is not None:
                        points = found.setdefault(scenario.id, {}).setdefault(side, {}).setdefault(metric, [])
                        points.append((float(scenario.size), value))
        return found

    def slopes(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """Per sized scenario id: side → metric → least-squares cost per unit of N."""
        return {
            family: {
                side: {metric: slope(points) for metric, points in metrics.items()} for side, metrics in sides.items()
            }
            for family, sides in self.curves().items()
        }

    def table(self) -> str:
        """Medians per side and the ratio reflow/baseline, one block per scenario (Markdown)."""
        lines: list[str] = []
        for scenario in self.scenarios:
            lines += ["", f"**{scenario.name}** {scenario.title}", ""]
            if not scenario.per_side:
                lines += _plane_block(self, scenario)
                continue
            base = scenario.baseline
            lines += [f"| metric | {base} | reflow | reflow/{base} |", "|---|---:|---:|---:|"]
            for metric in scenario.metrics:
                baseline, reflow = (self._cell(scenario, side, metric) for side in _compared(scenario))
                lines.append(f"| {metric} | {baseline} | {reflow} | {self._ratio(scenario, metric)} |")
            for side in _compared(scenario):
                for error in self.errors(scenario, side)[:1]:
                    lines.append(f"\n{side} failed: {error.splitlines()[0]}")
        lines += self._slope_lines()
        notes = [f"- {side}: not available — {reason}" for side, reason in self.unavailable.items()]
        return "\n".join([*lines, "", *notes]).strip() + "\n"

    def _slope_lines(self) -> list[str]:
        lines: list[str] = []
        for family, sides in self.slopes().items():
            base = next(s.baseline for s in self.scenarios if s.id == family)
            lines += ["", f"**{family} cost per unit of N** (least-squares slope over the sizes)", ""]
            lines += [f"| metric | {base} | reflow | reflow/{base} |", "|---|---:|---:|---:|"]
            metrics = dict.fromkeys(metric for per_side in sides.values() for metric in per_side)
            for metric in metrics:
                baseline, reflow = (sides.get(side, {}).get(metric) for side in (base, "reflow"))
                ratio = f"{reflow / baseline:.2f}" if baseline and reflow is not None else "–"
                cells = ["–" if value is None else f"{value:.4g}" for value in (baseline, reflow)]
                lines.append(f"| {metric} | {cells[0]} | {cells[1]} | {ratio} |")
        return lines

    def _cell(self, scenario: Scenario, side: str, metric: str) -> str:
        if side in self.unavailable:
            return "n/a"
        if side not in self.sides:
            return "–"
        values = self.values(scenario, side, metric)
        if not values:
            return "failed" if self.errors(scenario, side) else "–"
        return f"{number(statistics.median(values))} (n={len(values)})"

    def _ratio(self, scenario: Scenario, metric: str) -> str:
        baseline, reflow = (self.median(scenario, side, metric) for side in _compared(scenario))
        if baseline is None or reflow is None or baseline == 0:
            return "–"
        return f"{reflow / baseline:.2f}"

    def as_json(self) -> dict[str, object]:
        """Raw numbers, medians and availability."""
        return {
            "environment": self.environment,
            "sides": self.sides,
            "unavailable": self.unavailable,
            "medians": self.medians(),
            "curves": self.curves(),
            "slopes": self.slopes(),
            "measurements": [asdict(m) for m in self.measurements],
        }

    def write_json(self, path: Path) -> None:
        """Write `as_json()` to the file."""
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")


def _compared(scenario: Scenario) -> tuple[str, str]:
    """The scenario's baseline side and reflow."""
    return (scenario.baseline, "reflow")


def number(value: float) -> str:
    """Four significant digits, but whole numbers from 1000 up (API call counts)."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _plane_block(report: Report, scenario: Scenario) -> list[str]:
    lines = ["| metric | median |", "|---|---:|"]
    for metric in scenario.metrics:
        values = report.values(scenario, PLANE, metric)
        cell = f"{number(statistics.median(values))} (n={len(values)})" if values else "failed"
        lines.append(f"| {metric} | {cell} |")
    for error in report.errors(scenario, PLANE)[:1]:
        lines.append(f"\nfailed: {error.splitlines()[0]}")
    return lines
