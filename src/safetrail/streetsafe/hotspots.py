"""Hotspots that are more than chance: Getis-Ord Gi* over H3 cell counts.

For each cell, Gi* compares the reports in it and its neighbours (all cells
within ``distance`` steps, the cell itself included, binary weights) with what
the whole study area would give by chance, as a z-score (Ord and Getis 1995).
The study area is every cell with a report plus its neighbours, so empty
ground around a cluster counts as the contrast it is.

Thousands of cells are tested at once, so some would pass p < 0.05 by luck
alone. The Benjamini-Hochberg procedure keeps the expected share of false
discoveries among the cells called hotspots at ``false_discovery_rate``.
Neighbouring tests overlap (positive dependence), for which the procedure is
still valid.

The z-scores are checked against PySAL's esda (``G_Local(star=True,
transform="B")``) in the tests.
"""

from __future__ import annotations

import math
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
    return math.erfc(abs(z) / math.sqrt(2))


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
    counts: dict[str, int], *, distance: int = 1, false_discovery_rate: float = 0.05
) -> list[CellScore]:
    """Score every cell of the study area; hot and cold spots after the correction."""
    counts = {cell: count for cell, count in counts.items() if count > 0}
    if not counts:
        return []
    area = study_area(counts, distance)
    scores = gi_star(counts, neighbours(area, distance))
    p_values = {cell: two_sided_p(z) for cell, z in scores.items()}
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
        for cell in area
    ]
