"""Hotspots: Gi* as PySAL's esda computes it, exact p-values, and Benjamini-Hochberg.

Random data comes from ``random.Random(seed)`` with fixed seeds (its stream
never changes between Python versions), so every test here gives the same
answer on every run: nothing can flake.
"""

from __future__ import annotations

import math
import random
import warnings
from datetime import timedelta

import h3
import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import W
from scipy.stats import binom

from safetrail.streetsafe import area, cells, hotspots, services
from safetrail.streetsafe.cells import Point

CENTRE = h3.latlng_to_cell(51.51, -0.12, 9)
REGION = sorted(h3.grid_disk(CENTRE, 12))  # 469 cells, about 5 km²
SEEDS = range(20)


def random_counts(seed: int, *, cells_from: list[str], reports: int) -> dict[str, int]:
    """Each report in a cell picked uniformly at random: what chance alone gives."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    for _ in range(reports):
        cell = cells_from[int(rng.random() * len(cells_from))]
        counts[cell] = counts.get(cell, 0) + 1
    return counts


def esda_z(counts: dict[str, int], study: list[str], distance: int) -> dict[str, float]:
    """esda's Gi* z-scores, from neighbour lists without the cell itself (esda adds it)."""
    inside = set(study)
    neighbours = {cell: sorted((cells.ring(cell, distance) & inside) - {cell}) for cell in study}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands and the like: esda's warnings, not errors
        weights = W(neighbours, id_order=study, silence_warnings=True)
        y = np.array([counts.get(cell, 0) for cell in study], dtype=float)
        g = G_Local(y, weights, star=True, transform="B", permutations=0)
    return dict(zip(study, g.Zs.tolist(), strict=True))


# --- Gi* against esda ----------------------------------------------------------------------


@pytest.mark.parametrize("distance", [1, 2])
@pytest.mark.parametrize("seed", range(6))
def test_gi_star_matches_esda_on_random_data(distance: int, seed: int):
    rng = random.Random(seed)
    # Some cells empty, some busy, a few far off on their own.
    counts = {cell: rng.randint(1, 12) for cell in h3.grid_disk(CENTRE, 5) if rng.random() < 0.5}
    for step in (9, 14):
        counts[sorted(h3.grid_ring(CENTRE, step))[seed]] = rng.randint(1, 4)
    study = hotspots.study_area(counts, distance)

    ours = hotspots.gi_star(counts, hotspots.neighbours(study, distance))
    theirs = esda_z(counts, study, distance)

    assert len(study) > 50
    assert max(abs(ours[cell] - theirs[cell]) for cell in study) < 1e-6


@pytest.mark.parametrize("distance", [1, 2])
def test_find_reports_esda_z_scores_for_a_given_study_area(distance: int):
    counts = random_counts(3, cells_from=REGION, reports=400)

    scores = hotspots.find(counts, distance=distance, area=REGION)
    theirs = esda_z(counts, REGION, distance)

    assert [score.cell for score in scores] == REGION
    assert all(abs(score.z - theirs[score.cell]) < 1e-6 for score in scores)
    assert all(score.count == counts.get(score.cell, 0) for score in scores)


def test_find_on_its_own_study_area_matches_esda():
    counts = random_counts(4, cells_from=sorted(h3.grid_disk(CENTRE, 4)), reports=120)
    study = hotspots.study_area(counts, 1)

    scores = {score.cell: score.z for score in hotspots.find(counts, distance=1)}

    assert set(scores) == set(study)
    theirs = esda_z(counts, study, 1)
    assert max(abs(scores[cell] - theirs[cell]) for cell in study) < 1e-6


def test_nothing_to_score():
    assert hotspots.find({}) == []
    assert hotspots.find({CENTRE: 0}) == []


# --- exact p-values ------------------------------------------------------------------------


def test_binomial_tails_match_scipy():
    rng = random.Random(7)
    for _ in range(3000):
        trials = rng.choice([1, 2, 5, 30, 400, 5_000, 80_000, 2_000_000, 10_000_000])
        share = rng.choice([1e-5, 1e-3, 7 / 469, 0.05, 0.3, 0.5, 0.97])
        mean = trials * share
        spread = math.sqrt(trials * share * (1 - share))
        k = round(mean + rng.uniform(-6, 8) * spread) + rng.randint(-2, 2)
        k = max(-1, min(trials + 1, k))

        for ours, theirs in (
            (hotspots.at_least(k, trials, share), binom.sf(k - 1, trials, share)),
            (hotspots.at_most(k, trials, share), binom.cdf(k, trials, share)),
        ):
            if theirs > 1e-200:
                assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-300), (k, trials, share)
            else:
                assert ours < 1e-190


def test_two_reports_side_by_side_are_not_a_hotspot():
    """Where the normal curve would call them one (z is large when almost nothing is there)."""
    counts = {CENTRE: 1, sorted(h3.grid_ring(CENTRE, 1))[0]: 1}
    counts.update(random_counts(1, cells_from=REGION, reports=3))

    scores = {score.cell: score for score in hotspots.find(counts, distance=1, area=REGION)}

    normal = {cell: hotspots.two_sided_p(score.z) for cell, score in scores.items()}
    assert CENTRE in hotspots.benjamini_hochberg(normal, 0.05)
    assert scores[CENTRE].p > 0.001
    assert not any(score.hotspot for score in scores.values())


# --- Benjamini-Hochberg --------------------------------------------------------------------

# Benjamini and Hochberg (1995), section 4: fifteen p-values from a trial.
TEXTBOOK = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.3240,
    0.4262,
    0.5719,
    0.6528,
    0.7590,
    1.0000,
]


def test_benjamini_hochberg_textbook_example():
    p_values = {f"h{number}": p for number, p in enumerate(TEXTBOOK, start=1)}

    # At q = 0.05 the procedure rejects the four smallest (Bonferroni only three).
    assert hotspots.benjamini_hochberg(p_values, 0.05) == {"h1", "h2", "h3", "h4"}
    assert {key for key, p in p_values.items() if p <= 0.05 / 15} == {"h1", "h2", "h3"}


def test_benjamini_hochberg_steps_up():
    # 0.04 misses 0.05 * 2/4 at rank two, but the largest rank passing takes all below it.
    p_values = {"a": 0.01, "b": 0.04, "c": 0.04, "d": 0.04}

    assert hotspots.benjamini_hochberg(p_values, 0.05) == {"a", "b", "c", "d"}
    assert hotspots.benjamini_hochberg({"a": 0.01, "b": 0.04, "c": 0.9}, 0.05) == {"a"}
    assert hotspots.benjamini_hochberg({"a": 0.2, "b": 0.5}, 0.05) == set()
    assert hotspots.benjamini_hochberg({}, 0.05) == set()


# --- planted clusters and plain noise -------------------------------------------------------

FAR = sorted(h3.grid_ring(CENTRE, 6))[0]
CLUSTER = sorted(h3.grid_disk(FAR, 1))  # seven cells side by side


@pytest.mark.parametrize("distance", [1, 2])
def test_a_planted_cluster_is_found(distance: int):
    near = set(h3.grid_disk(FAR, 1 + distance))  # every cell whose neighbours reach it
    false_shares = []
    for seed in SEEDS:
        counts = random_counts(seed, cells_from=REGION, reports=300)
        for cell in CLUSTER:
            counts[cell] = counts.get(cell, 0) + 5

        found = {
            score.cell
            for score in hotspots.find(counts, distance=distance, area=REGION)
            if score.hotspot
        }

        assert FAR in found, seed
        false_shares.append(len(found - near) / len(found))
    # What Benjamini-Hochberg promises: on average at most 5% of hotspots are false.
    assert sum(false_shares) / len(false_shares) <= 0.05, false_shares


def test_a_planted_cluster_is_found_without_a_given_study_area():
    for seed in SEEDS:
        counts = random_counts(seed, cells_from=REGION, reports=300)
        for cell in CLUSTER:
            counts[cell] = counts.get(cell, 0) + 5

        found = {score.cell for score in hotspots.find(counts, distance=1) if score.hotspot}

        assert FAR in found, seed


@pytest.mark.parametrize("distance", [1, 2])
@pytest.mark.parametrize("reports", [40, 300, 3000])
def test_uniform_noise_is_not_a_hotspot(distance: int, reports: int):
    """Sparse to dense noise over the study area, 20 fixed seeds.

    By chance alone Benjamini-Hochberg at 5% lets through any hotspot at all in
    at most about one run in twenty; two of twenty is the line, and the count
    of hotspots in a run that has one stays small.
    """
    runs_with_hotspots = 0
    for seed in SEEDS:
        counts = random_counts(seed, cells_from=REGION, reports=reports)
        found = [
            score
            for score in hotspots.find(counts, distance=distance, area=REGION)
            if score.hotspot
        ]
        runs_with_hotspots += bool(found)
        assert len(found) <= 12, (seed, len(found))
    assert runs_with_hotspots <= 2


# --- through the database ------------------------------------------------------------------


def _report(point: Point, *, day_offset: int) -> None:
    services.report_create(
        services.Draft(
            point=point,
            located_by="map",
            reasons=["badly_lit"],
            when="another_day",
            band="evening",
            day=services.today() - timedelta(days=day_offset),
        ),
        address="198.51.100.20",
        verified=True,
    )


@pytest.mark.django_db
def test_hotspot_scores_find_a_planted_cluster_in_the_deployment_area(settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 10_000
    box = area.configured()
    rng = random.Random(11)
    for number in range(150):
        _report(
            Point(rng.uniform(box.south, box.north), rng.uniform(box.west, box.east)),
            day_offset=number % 40,
        )
    place = Point(51.5101, -0.1102)
    for number in range(30):
        _report(
            Point(place.latitude + rng.uniform(-5e-4, 5e-4), place.longitude),
            day_offset=number,
        )
    filters = services.Filters(resolution=9)

    scores = services.hotspot_scores(filters)

    found = {score.cell for score in scores if score.hotspot}
    assert cells.cells_for(place)[9] in found
    assert {score.cell for score in scores} >= set(area.cells_covering(9))
    assert found <= cells.ring(cells.cells_for(place)[9], 3)


@pytest.mark.django_db
def test_hotspot_scores_find_nothing_in_reports_spread_evenly(settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 10_000
    box = area.configured()
    rng = random.Random(12)
    for number in range(250):
        _report(
            Point(rng.uniform(box.south, box.north), rng.uniform(box.west, box.east)),
            day_offset=number % 60,
        )

    for resolution, distance in ((8, 1), (9, 1), (9, 2)):
        scores = services.hotspot_scores(services.Filters(resolution=resolution), distance=distance)
        assert not [score.cell for score in scores if score.hotspot], (resolution, distance)


def test_exact_p_is_twice_the_smaller_tail():
    rng = random.Random(8)
    for _ in range(2000):
        trials = rng.choice([0, 1, 3, 20, 300, 40_000])
        share = rng.choice([0.001, 7 / 469, 0.2, 0.5, 0.8])
        local = rng.randint(0, trials)

        both = min(binom.sf(local - 1, trials, share), binom.cdf(local, trials, share))

        assert hotspots.exact_p(local, trials, share) == pytest.approx(
            min(1.0, 2 * both), rel=1e-6, abs=1e-300
        ), (local, trials, share)
