"""The cost curve of a sized scenario (S7): medians against N, the least-squares cost per unit, an SVG drawing.

`python -m bench.curve RESULTS.json PLOT.svg` redraws the plot from a run's JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

Points = Sequence[tuple[float, float]]
Curves = dict[str, dict[str, list[tuple[float, float]]]]
"""side → metric → (N, median) in N order."""

PANELS = (
    ("seconds", "seconds to all Ready"),
    ("cpu_seconds", "CPU seconds"),
    ("api_calls", "API calls"),
    ("peak_rss_mib", "peak RSS (MiB)"),
)
COLOURS = {"flux": "#1f6feb", "reflow": "#cf222e", "flux, published": "#8c959f"}
PUBLISHED = {
    "seconds": [(100.0, 26.0), (500.0, 120.0), (1000.0, 253.0)],
    "peak_rss_mib": [(100.0, 134.0), (500.0, 183.0), (1000.0, 223.0)],
}
"""Flux's published MTTP figures for N Kustomizations (16-core GitHub runner, Kind), drawn dashed beside ours."""
WIDTH, HEIGHT, MARGIN = 360, 240, 48


def slope(points: Points) -> float | None:
    """The least-squares slope of y against x: the cost of one more unit of N; None below two distinct x."""
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def _panel(curves: Curves, metric: str, label: str, left: int, top: int) -> list[str]:
    series = {side: points for side, metrics in curves.items() if (points := metrics.get(metric))}
    if metric in PUBLISHED:
        series["flux, published"] = PUBLISHED[metric]
    every = [point for points in series.values() for point in points]
    max_x = max((x for x, _ in every), default=1.0) or 1.0
    max_y = max((y for _, y in every), default=1.0) or 1.0
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def at(x: float, y: float) -> str:
        return f"{left + MARGIN + x / max_x * inner_w:.1f},{top + HEIGHT - MARGIN - y / max_y * inner_h:.1f}"

    parts = [
        f'<text x="{left + WIDTH / 2}" y="{top + 20}" text-anchor="middle" font-weight="bold">{escape(label)}</text>',
        f'<polyline points="{at(0, max_y)} {at(0, 0)} {at(max_x, 0)}" fill="none" stroke="#57606a"/>',
        f'<text x="{left + MARGIN - 4}" y="{top + MARGIN + 4}" text-anchor="end">{max_y:.4g}</text>',
        f'<text x="{left + WIDTH - MARGIN}" y="{top + HEIGHT - MARGIN + 16}" text-anchor="end">N = {max_x:.0f}</text>',
    ]
    for side, points in series.items():
        dash = ' stroke-dasharray="5,4"' if side == "flux, published" else ""
        line = " ".join(at(x, y) for x, y in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{COLOURS.get(side, "#000")}"{dash}/>')
        parts += [f'<circle cx="{at(x, y).split(",")[0]}" cy="{at(x, y).split(",")[1]}" r="3" '
                  f'fill="{COLOURS.get(side, "#000")}"/>' for x, y in points]  # fmt: skip
    return parts


def plot(curves: Curves, title: str = "S7: cost against N Kustomizations × 4 objects") -> str:
    """An SVG with one panel per metric: each side's medians against N, and Flux's published figures."""
    width, height = 2 * WIDTH, 2 * HEIGHT + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for index, (metric, label) in enumerate(PANELS):
        parts += _panel(curves, metric, label, (index % 2) * WIDTH, 30 + (index // 2) * HEIGHT)
    for index, side in enumerate([*curves, "flux, published"]):
        x = 20 + index * 160
        parts.append(f'<line x1="{x}" y1="{height - 15}" x2="{x + 24}" y2="{height - 15}" '
                     f'stroke="{COLOURS.get(side, "#000")}" stroke-width="2"/>')  # fmt: skip
        parts.append(f'<text x="{x + 30}" y="{height - 11}">{escape(side)}</text>')
    return "\n".join([*parts, "</svg>"]) + "\n"


def main(argv: list[str]) -> int:
    """Redraw the S7 plot from a bench JSON file."""
    if len(argv) != 2:
        print("usage: python -m bench.curve RESULTS.json PLOT.svg", file=sys.stderr)
        return 2
    results = json.loads(Path(argv[0]).read_text())
    curves = {side: {m: [(x, y) for x, y in p] for m, p in metrics.items()}
              for side, metrics in (results.get("curves") or {}).get("S7", {}).items()}  # fmt: skip
    Path(argv[1]).write_text(plot(curves))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
