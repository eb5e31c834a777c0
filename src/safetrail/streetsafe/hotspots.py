"""Hotspots that are more than chance: Getis-Ord Gi* over H3 cell counts.

For each cell, Gi* compares the reports in it and its neighbours (all cells
within ``distance`` steps, the cell itself included, binary weights) with what
the whole study area would give by chance, as a z-score (Ord and Getis 1995).
The study area is the deployment's area (``services.hotspot_scores`` passes
its cells) plus any cell with a report; without one, every cell with a report
plus its neighbours, so empty ground around a cluster counts as the contrast
it is. A study area must not be much bigger than where reports can come from:
a frame of empty cells around evenly spread reports would make the whole
middle look hot.

The p-value of each cell is exact, not read off the normal curve: by chance
(every report equally likely to land in any cell of the study area), the
reports in a cell and its ``w`` neighbours out of ``N`` in ``n`` cells are
Binomial(N, w/n), and Gi* rises with that sum, so its tail is the p-value.
Reports are sparse (most cells hold none or one), where the normal curve is
far off: two reports side by side would pass as a hotspot.

Thousands of cells are tested at once, so some would pass p < 0.05 by luck
alone. The Benjamini-Hochberg procedure keeps the expected share of false
discoveries among the cells called hotspots at ``false_discovery_rate``.
Neighbouring tests overlap (positive dependence), for which the procedure is
still valid.

The z-scores are checked against PySAL's esda (``G_Local(star=True,
transform="B")``) in the tests, the p-values against SciPy's binomial.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from safetrail.streetsafe import cells


@dataclass(frozen=True)
class CellScore:
    cell: str
    count: int
    z: float
    p: float
    hotspot: bool
    coldspot: bool


def neighbours(area: list[str], distance: int) -> dict[str, list[str]]:
    """Each cell's neighbours within ``distance`` steps, itself included, inside the area."""
    inside = set(area)
    return {cell: sorted(cells.ring(cell, distance) & inside) for cell in area}


def study_area(counts: dict[str, int], distance: int) -> list[str]:
    area: set[str] = set()
    for cell in counts:
        area |= cells.ring(cell, distance)
    return sorted(area)


def gi_star(counts: dict[str, int], weights: dict[str, list[str]]) -> dict[str, float]:
    """Gi* z-score for each cell of ``weights`` (binary weights, self included)."""
    area = list(weights)
    n = len(area)
    values = [counts.get(cell, 0) for cell in area]
    if n < 3:
        return dict.fromkeys(area, 0.0)
    mean = sum(values) / n
    spread = math.sqrt(max(sum(value * value for value in values) / n - mean * mean, 0.0))
    scores: dict[str, float] = {}
    for cell in area:
        around = weights[cell]
        w = len(around)
        local = sum(counts.get(other, 0) for other in around)
        denominator = spread * math.sqrt((n * w - w * w) / (n - 1))
        scores[cell] = (local - mean * w) / denominator if denominator > 0 else 0.0
    return scores


def two_sided_p(z: float) -> float:
    """The normal curve's two-sided p-value (for comparison; ``find`` uses exact ones)."""
    return math.erfc(abs(z) / math.sqrt(2))


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The incomplete beta function's continued fraction (modified Lentz; Numerical Recipes
    6.4), which converges fast for x < (a + 1) / (a + b + 2)."""
    tiny = 1e-300
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        for numerator in (
            m * (b - m) * x / ((a - 1.0 + 2 * m) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1.0 + 2 * m)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            return h
    raise ArithmeticError("the incomplete beta function did not converge")


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def at_least(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return _incomplete_beta(k, n - k + 1, p)


def at_most(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return _incomplete_beta(n - k, k + 1, 1.0 - p)


def exact_p(local: int, total: int, share: float) -> float:
    """Two-sided p-value of ``local`` reports where Binomial(total, share) are expected.

    Only the tail on ``local``'s side of the mean is worked out: the binomial's
    median is within one of its mean, so the other tail is at least a half.
    """
    expected = total * share
    if local > expected:
        return min(1.0, 2 * at_least(local, total, share))
    if local < expected:
        return min(1.0, 2 * at_most(local, total, share))
    return 1.0


def benjamini_hochberg(p_values: dict[str, float], rate: float) -> set[str]:
    """The keys whose p-values pass the Benjamini-Hochberg step-up procedure at ``rate``."""
    ranked = sorted(p_values.items(), key=lambda item: item[1])
    m = len(ranked)
    passed = 0
    for rank, (_, p) in enumerate(ranked, start=1):
        if p <= rate * rank / m:
            passed = rank
    return {key for key, _ in ranked[:passed]}


def find(
    counts: dict[str, int],
    *,
    distance: int = 1,
    false_discovery_rate: float = 0.05,
    area: Iterable[str] | None = None,
) -> list[CellScore]:
    """Score every cell of the study area; hot and cold spots after the correction.

    ``area``: the cells reports can come from (the deployment's); without it,
    the cells with reports and their neighbours.
    """
    counts = {cell: count for cell, count in counts.items() if count > 0}
    if not counts:
        return []
    study = study_area(counts, distance) if area is None else sorted(set(area) | set(counts))
    weights = neighbours(study, distance)
    scores = gi_star(counts, weights)
    total = sum(counts.values())
    p_values = {
        cell: exact_p(
            sum(counts.get(other, 0) for other in weights[cell]),
            total,
            len(weights[cell]) / len(study),
        )
        if len(study) >= 3
        else 1.0
        for cell in study
    }
    significant = benjamini_hochberg(p_values, false_discovery_rate)
    return [
        CellScore(
            cell=cell,
            count=counts.get(cell, 0),
            z=scores[cell],
            p=p_values[cell],
            hotspot=cell in significant and scores[cell] > 0,
            coldspot=cell in significant and scores[cell] < 0,
        )
        for cell in study
    ]
