"""Browser tests: skipped, with the reason, when playwright or a chromium executable is missing.

Under ``pytest -n 2 --dist loadgroup`` (``make test-browser``) this folder brings its own
scheduler: the site's tests are one unit, so the site is built once, on one worker; every
other test is its own unit, and the units start longest first (see ``_order``).
"""

from __future__ import annotations

import functools
from pathlib import Path

import nbformat
import pytest
from _support import launch_chromium, missing_browser_reason

from mlsd import paths

#: The module whose tests share the built site: one xdist unit, so one build.
SITE_MODULE = "test_browser_site.py"
#: Modules whose tests share a module fixture (the handouts): one unit each, so one build.
UNIT_MODULES = (SITE_MODULE, "test_browser_handout.py")
#: Tests that take seconds, not tens of seconds: run last, to even out the two workers' ends.
SHORT_MODULES = ("test_browser_handout.py", "test_browser_run_html.py")
HERE = Path(__file__).resolve().parent


@functools.cache
def _cells(notebook: str) -> int:
    return len(nbformat.read(paths.NOTEBOOKS / notebook, as_version=4).cells)


def _order(item) -> tuple[int, int]:
    """The site first (its build is the longest unit), then each Run All test, the notebook
    with the most cells first (their run time follows the cell count), then the short tests."""
    module = item.path.name
    if module == SITE_MODULE:
        return (0, 0)
    params = getattr(item, "callspec", None) and item.callspec.params
    if params and "notebook" in params:
        return (1, -_cells(params["notebook"]))
    return (2, 1 if module in SHORT_MODULES else 0)


def pytest_collection_modifyitems(config, items):
    # Only this folder's tests move (the hook sees every item of the session).
    mine = [i for i, item in enumerate(items) if item.path.parent == HERE]
    for i, item in zip(mine, sorted((items[i] for i in mine), key=_order), strict=True):
        items[i] = item  # a stable sort: ties keep their collection order
    reason = missing_browser_reason()
    if reason is None:
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """For ``--dist loadgroup``: group the site's tests ourselves (see ``_BrowserScheduling``)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class _BrowserScheduling(LoadScopeScheduling):
        """The site module is one unit (so is the handouts'), every other test its own unit;
        a worker holds two tests.

        xdist's own loadgroup reads an ``xdist_group`` suffix it appends to each node id, and
        with pytest >= 9.2 that suffix is lost (pytest-xdist issue 1386): the site's tests
        were spread over both workers and each worker built the whole site. Here the unit is
        read from the module's name. A worker is sent a new unit when it has fewer than two
        tests left (xdist's default keeps three), so at the end one worker does not sit idle
        while the other still has two Run All tests queued.
        """

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
            return module if module in UNIT_MODULES else nodeid

        def _reschedule(self, node) -> None:
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) < 2:
                self._assign_work_unit(node)

    return _BrowserScheduling(config, log)


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
