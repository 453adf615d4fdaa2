"""`python -m bench`: run the side-by-side benchmarks and print the table of medians and ratios."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bench.curve import plot
from bench.runner import Options, bench
from bench.scenarios import SCENARIOS
from bench.sides import DEFAULT_REFLOW_COMMAND

SIDES = ("flux", "helm", "reflow")


def _names(text: str, known: tuple[str, ...] | list[str], what: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--s7-sizes: {error}") from error
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("--s7-sizes: give positive whole numbers, such as 100,500,1000")
    return sizes


def parse(argv: list[str]) -> tuple[Options, Path | None, Path | None]:
    """The command line as Options, plus where to write the JSON and the S7 plot."""
    scenario_ids = sorted(SCENARIOS)
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="reflow's controllers side by side with Flux's own, on one local plane.",
        epilog="Scenarios: " + "; ".join(f"{key} {SCENARIOS[key].title}" for key in scenario_ids),
    )
    default_ids = [key for key in scenario_ids if SCENARIOS[key].by_default]
    parser.add_argument(
        "--scenarios", default=",".join(default_ids), help="comma-separated ids (default: all but the soak)"
    )
    parser.add_argument(
        "--sides", default=",".join(SIDES), help="flux, helm (the Helm CLI: S5's baseline), reflow (default: all)"
    )
    parser.add_argument("--repetitions", type=int, default=3, help="runs per scenario and side (default: 3)")
    parser.add_argument("--quick", action="store_true", help="run each scenario once per side")
    parser.add_argument("--json", type=Path, help="write raw numbers, medians and availability to this file")
    parser.add_argument("--reflow-command", default=DEFAULT_REFLOW_COMMAND, help="how reflow's controllers start")
    parser.add_argument("--workdir", type=Path, help="where logs and artifacts go (default: a new temp folder)")
    parser.add_argument(
        "--s7-sizes", default="100,500,1000", help="the numbers of Kustomizations S7 runs with (default: 100,500,1000)"
    )
    parser.add_argument("--plot", type=Path, help="draw the S7 curves of both sides against N into this SVG file")
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the soak (default: 30)")
    args = parser.parse_args(argv)
    try:
        scenarios = _names(args.scenarios, scenario_ids, "scenario")
        sides = _names(args.sides, SIDES, "side")
        sizes = _sizes(args.s7_sizes)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    options = Options(
        scenarios=scenarios,
        sides=sides,
        repetitions=1 if args.quick else max(1, args.repetitions),
        reflow_command=args.reflow_command,
        workdir=args.workdir,
        minutes=args.minutes,
        sizes=sizes,
    )
    return options, args.json, args.plot


def main(argv: list[str] | None = None) -> int:
    """Run and print; 1 if any run failed."""
    options, json_path, plot_path = parse(sys.argv[1:] if argv is None else argv)
    report = asyncio.run(bench(options))
    print(report.table())
    if json_path:
        report.write_json(json_path)
    if plot_path:
        plot_path.write_text(plot(report.curves().get("S7", {})))
    return 1 if any(m.error for m in report.measurements) else 0


if __name__ == "__main__":
    sys.exit(main())
