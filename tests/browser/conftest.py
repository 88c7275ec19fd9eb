"""Browser tests: skipped, with the reason, when playwright or a chromium executable is missing."""

from __future__ import annotations

import pytest
from _support import launch_chromium, missing_browser_reason


def pytest_collection_modifyitems(config, items):
    reason = missing_browser_reason()
    if reason is None:
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the session (per xdist worker)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
