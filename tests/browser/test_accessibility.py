"""axe-core's WCAG 2.2 A and AA checks on every page, on a desktop and on a phone.

The pinned axe-core comes from package.json (npm ci, run by `make assets`).
"""

from __future__ import annotations

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import VIEWPORTS, NewPage, every_page, open_safetrail_page, run_axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize(("path", "status"), every_page())
def test_page_has_no_axe_violations(
    new_page: NewPage,
    live_server: LiveServer,
    axe_source: str,
    path: str,
    status: int,
    viewport: str,
) -> None:
    page = new_page(**VIEWPORTS[viewport])
    # Checked after the components start: they change the page (the phone
    # menu button, the exit indicator) and those changes must pass too.
    open_safetrail_page(page, live_server.url + path, status=status)

    violations = run_axe(page, axe_source)

    assert violations == [], f"{path} at {viewport} size:\n" + "\n".join(violations)
