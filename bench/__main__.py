"""`python -m bench`: run the side-by-side benchmarks and print the table of medians and ratios."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

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


def parse(argv: list[str]) -> tuple[Options, Path | None]:
    """The command line as Options, plus where to write the JSON."""
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
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the soak (default: 30)")
    args = parser.parse_args(argv)
    try:
        scenarios = _names(args.scenarios, scenario_ids, "scenario")
        sides = _names(args.sides, SIDES, "side")
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    options = Options(
        scenarios=scenarios,
        sides=sides,
        repetitions=1 if args.quick else max(1, args.repetitions),
        reflow_command=args.reflow_command,
        workdir=args.workdir,
        minutes=args.minutes,
    )
    return options, args.json


def main(argv: list[str] | None = None) -> int:
    """Run and print; 1 if any run failed."""
    options, json_path = parse(sys.argv[1:] if argv is None else argv)
    report = asyncio.run(bench(options))
    print(report.table())
    if json_path:
        report.write_json(json_path)
    return 1 if any(m.error for m in report.measurements) else 0


if __name__ == "__main__":
    sys.exit(main())
