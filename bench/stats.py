"""Percentiles, medians and the results table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


@dataclass(frozen=True)
class Row:
    key: str
    value: float | None
    unit: str
    target: str
    ok: bool | None
    how: str


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("meets" if ok else "MISSES")


def table(rows: Sequence[Row]) -> str:
    """A Markdown table: what was measured, the figure, the target and the verdict."""
    lines = [
        "| measurement | value | target | verdict | how |",
        "| --- | ---: | --- | --- | --- |",
    ]
    for r in rows:
        value = "-" if r.value is None else f"{r.value:,.3g}" if r.value < 10 else f"{r.value:,.1f}"
        lines.append(f"| `{r.key}` | {value} {r.unit} | {r.target} | {verdict(r.ok)} | {r.how} |")
    return "\n".join(lines)
