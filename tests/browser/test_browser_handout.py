"""The session handouts, printed by headless chromium: at most two A4 pages, formulas typeset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlsd import handout, paths

pytestmark = pytest.mark.browser

MAX_PAGES = 2
#: Every evening with a chapter guide: chapters 1-2 are session 1, chapters 3-4 session 2.
SESSIONS = sorted(
    {
        (int(re.match(r"ch(\d+)", g.stem)[1]) + 1) // 2
        for g in paths.CHAPTERS.glob("ch*.md")
        if not g.stem.startswith("ch00")
    }
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return handout.build(tmp_path_factory.mktemp("handout"))


def print_page(browser, path, tmp_path) -> tuple[dict, int, list[str], Path]:
    """Open ``path`` with every non-file request refused; typeset, screenshot, print to PDF."""
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    outside: list[str] = []

    def refuse(route):
        outside.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith("file:"), refuse)
    shot = tmp_path / f"{path.stem}.png"
    try:
        page.goto(path.as_uri())
        page.wait_for_function(
            "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0", timeout=30_000
        )
        page.emulate_media(media="print")
        state = page.evaluate(
            """() => ({
              formulas: document.querySelectorAll('.formula').length,
              typeset: document.querySelectorAll('.formula .MathJax_Display').length,
              errors: document.querySelectorAll('.MathJax_Error, .merror').length,
            })"""
        )
        page.screenshot(path=str(shot), full_page=True)
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.close()
    (tmp_path / f"{path.stem}.pdf").write_bytes(pdf)
    printed = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    return state, printed, [u for u in outside if not u.startswith(("data:", "about:"))], shot


def test_every_evening_with_a_guide_has_a_handout(pages):
    """Sessions 1 and 2 both have guides, so both handouts are printed by the test below."""
    assert {1, 2} <= set(SESSIONS)
    assert sorted(p.name for p in pages) == [f"session-{n}.html" for n in SESSIONS]


@pytest.mark.parametrize("session", SESSIONS)
def test_each_handout_prints_on_two_pages_with_its_formulas(browser, pages, tmp_path, session):
    """Printed to PDF with no network, each handout fits two pages and typesets every formula."""
    (path,) = [p for p in pages if p.name == f"session-{session}.html"]
    state, printed, outside, shot = print_page(browser, path, tmp_path)
    where = f"{path.name} (screenshot: {shot})"
    assert not outside, (where, outside)
    assert state["typeset"] == state["formulas"], (where, state)
    assert state["formulas"] > 0 or session != 1, (where, state)
    assert state["errors"] == 0, where
    assert 1 <= printed <= MAX_PAGES, f"{where} prints on {printed} pages"
