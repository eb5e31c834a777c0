"""H3 cells: where a point falls, at every resolution Safetrail keeps.

Resolution 7 is about 5 km² a cell, 8 about 0.74 km², 9 about 0.105 km² and
10 about 0.015 km². Reports store their cell at each so counts are a GROUP BY
on an indexed column, on SQLite and PostgreSQL alike, with no GIS extension.
"""

from __future__ import annotations

from dataclasses import dataclass

import h3

RESOLUTIONS = (7, 8, 9, 10)


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def valid_point(latitude: float, longitude: float) -> bool:
    return -90 <= latitude <= 90 and -180 <= longitude <= 180


def cells_for(point: Point) -> dict[int, str]:
    """The point's cell at each kept resolution."""
    finest = h3.latlng_to_cell(point.latitude, point.longitude, RESOLUTIONS[-1])
    return {
        resolution: h3.cell_to_parent(finest, resolution)
        if resolution != RESOLUTIONS[-1]
        else finest
        for resolution in RESOLUTIONS
    }


def centre(cell: str) -> Point:
    latitude, longitude = h3.cell_to_latlng(cell)
    return Point(latitude, longitude)


def boundary(cell: str) -> list[tuple[float, float]]:
    """The cell's corners as (longitude, latitude), closed, as GeoJSON wants them."""
    corners = [(longitude, latitude) for latitude, longitude in h3.cell_to_boundary(cell)]
    return [*corners, corners[0]]


def ring(cell: str, distance: int) -> set[str]:
    """The cell and every cell within ``distance`` steps of it."""
    return set(h3.grid_disk(cell, distance))


def is_valid(cell: str) -> bool:
    try:
        return bool(h3.is_valid_cell(cell))
    except (TypeError, ValueError):
        return False


def resolution_of(cell: str) -> int:
    return int(h3.get_resolution(cell))


def distance_metres(a: Point, b: Point) -> float:
    return float(
        h3.great_circle_distance((a.latitude, a.longitude), (b.latitude, b.longitude), unit="m")
    )
