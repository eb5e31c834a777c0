"""The area a deployment covers, and the no-JavaScript grid over it."""

from __future__ import annotations

import string
from dataclasses import dataclass

import h3
from django.conf import settings

from safetrail.streetsafe.cells import Point


@dataclass(frozen=True)
class Area:
    south: float
    west: float
    north: float
    east: float

    def contains(self, point: Point) -> bool:
        return (
            self.south <= point.latitude <= self.north and self.west <= point.longitude <= self.east
        )

    @property
    def centre(self) -> Point:
        return Point((self.south + self.north) / 2, (self.west + self.east) / 2)


class AreaError(ValueError):
    pass


def parse(parts: list[str]) -> Area:
    if len(parts) != 4:
        raise AreaError("SAFETRAIL_STREETSAFE_AREA needs four numbers: south,west,north,east")
    try:
        south, west, north, east = (float(part) for part in parts)
    except ValueError as error:
        raise AreaError(
            f"SAFETRAIL_STREETSAFE_AREA has something that is not a number: {error}"
        ) from None
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise AreaError(
            "SAFETRAIL_STREETSAFE_AREA must be south,west,north,east with south < north and "
            "west < east, in degrees"
        )
    return Area(south, west, north, east)


def configured() -> Area:
    return parse(settings.SAFETRAIL_STREETSAFE_AREA)


def cells_covering(resolution: int, area: Area | None = None) -> list[str]:
    """The H3 cells whose centres are in the area: where reports are expected to come from
    (the study area hotspots are tested against)."""
    area = area or configured()
    shape = h3.LatLngPoly(
        [
            (area.south, area.west),
            (area.south, area.east),
            (area.north, area.east),
            (area.north, area.west),
        ]
    )
    return sorted(h3.h3shape_to_cells(shape, resolution))


@dataclass(frozen=True)
class Square:
    row: int
    column: int
    label: str
    south: float
    west: float
    north: float
    east: float

    @property
    def code(self) -> str:
        return f"{self.row}-{self.column}"

    @property
    def centre(self) -> Point:
        return Point((self.south + self.north) / 2, (self.west + self.east) / 2)


def grid(area: Area | None = None, size: int | None = None) -> list[list[Square]]:
    """Rows of squares from north to south, columns from west to east, labelled A1, A2..."""
    area = area or configured()
    size = size or settings.SAFETRAIL_STREETSAFE_GRID_SIZE
    height = (area.north - area.south) / size
    width = (area.east - area.west) / size
    rows = []
    for row in range(size):
        north = area.north - row * height
        rows.append(
            [
                Square(
                    row=row,
                    column=column,
                    label=f"{string.ascii_uppercase[row]}{column + 1}",
                    south=north - height,
                    west=area.west + column * width,
                    north=north,
                    east=area.west + (column + 1) * width,
                )
                for column in range(size)
            ]
        )
    return rows


def square(code: str) -> Square | None:
    for row in grid():
        for candidate in row:
            if candidate.code == code:
                return candidate
    return None
