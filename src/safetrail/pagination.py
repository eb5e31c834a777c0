"""Page links for GOV.UK's pagination component (templates/_pagination.html).

Views work out which pages there are (Django's Paginator, or the diary's own
pages of a case's incidents) and how to link to one; this turns that into what
the one shared template shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.paginator import Page


@dataclass(frozen=True)
class PageItem:
    number: int
    href: str


@dataclass(frozen=True)
class PageLinks:
    number: int
    count: int
    previous: str  # the previous page's address, "" on the first
    next: str  # the next page's address, "" on the last
    # Numbered links, None for an ellipsis. Empty: "Page 2 of 5" instead.
    items: tuple[PageItem | None, ...]

    @property
    def has_other_pages(self) -> bool:
        return self.count > 1


def links(
    number: int,
    count: int,
    href: Callable[[int], str],
    numbers: Iterable[int | None] = (),
) -> PageLinks:
    """Links for page ``number`` of ``count``; ``numbers`` are the pages to list by number."""
    return PageLinks(
        number=number,
        count=count,
        previous=href(number - 1) if number > 1 else "",
        next=href(number + 1) if number < count else "",
        items=tuple(None if shown is None else PageItem(shown, href(shown)) for shown in numbers),
    )


def for_page(
    page: Page, href: Callable[[int], str] = lambda number: f"?page={number}"
) -> PageLinks:
    """Previous and next for a Django page, with "Page 2 of 5" between them."""
    return links(page.number, page.paginator.num_pages, href)


def elided(page: Page, href: Callable[[int], str], *, on_each_side: int = 2) -> PageLinks:
    """Previous, next and the page numbers around this one, Django's way of leaving some out."""
    paginator = page.paginator
    numbers = paginator.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=1)
    return links(
        page.number,
        paginator.num_pages,
        href,
        (None if shown == paginator.ELLIPSIS else shown for shown in numbers),
    )
