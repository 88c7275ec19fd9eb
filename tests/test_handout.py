"""`make handout`: generated from the guides and notebooks, offline, and it follows their edits."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from mlsd import handout, offline_html, paths


def _guides() -> list[Path]:
    return sorted(p for p in paths.CHAPTERS.glob("ch*.md") if not p.stem.startswith("ch00"))


def _session(name: str) -> int:
    """The evening that reads chapter ``chNN-...``: chapters 1-2 are session 1, 3-4 session 2."""
    return (int(re.match(r"ch(\d+)", name)[1]) + 1) // 2


def _page(pages: list[Path], session: int) -> str:
    (page,) = [p for p in pages if p.name == f"session-{session}.html"]
    return page.read_text(encoding="utf-8")


def _session_notebooks(session: int) -> list[Path]:
    """The session's notebooks, chapter by chapter, in file order (as the handout reads them)."""
    return [
        nb
        for folder in sorted(paths.NOTEBOOKS.glob("ch*-*"))
        if folder.name[:2] == "ch"
        and _session(folder.name) == session
        and not folder.name.startswith("ch00")
        for nb in sorted(folder.glob("*.ipynb"))
    ]


def _numbered_items(guide: Path, heading: str) -> list[str]:
    """The first line of each numbered item under ``## heading`` (read line by line)."""
    inside, items = False, []
    for line in guide.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == heading
        elif inside and re.match(r"\d+\. ", line):
            items.append(re.sub(r"[*`]", "", line.split(". ", 1)[1]).strip())
    return items


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    return handout.build(tmp_path_factory.mktemp("handout"))


SESSIONS = sorted({_session(g.stem) for g in _guides()})


def test_one_page_per_session_with_a_guide(pages):
    """Each evening with a guide (session 1: chapters 1-2, session 2: 3-4) gets one page."""
    assert {1, 2} <= set(SESSIONS)
    assert sorted(p.name for p in pages) == [f"session-{n}.html" for n in SESSIONS]
    assert {p.name for p in pages[0].parent.iterdir()} == {p.name for p in pages} | {"_static"}


@pytest.mark.parametrize("session", SESSIONS)
def test_every_discussion_question_and_exercise_is_on_the_handout(pages, session):
    """Each of the evening's discussion questions and exercises appears on its page, in order."""
    page = _page(pages, session)
    plain = re.sub(r"<[^>]+>", "", page)
    for guide in _guides():
        for item in _numbered_items(guide, "Discussion questions"):
            assert (item[:40] in plain) == (_session(guide.stem) == session), (guide.name, item)
    assert f"<h1>Session {session}: book chapters {2 * session - 1} and {2 * session}</h1>" in page
    ids = []
    for nb_path in _session_notebooks(session):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type == "code":
                for qid in re.findall(r'exercises\.get\("([^"]+)"\)', cell.source):
                    if qid not in ids:
                        ids.append(qid)
    assert ids, f"the session {session} notebooks load no exercise"
    shown = re.findall(r"<code>([\w.-]+\.[\w]+)</code></li>", page)
    assert shown == ids


@pytest.mark.parametrize("session", SESSIONS)
def test_formulas_come_from_the_notebooks_and_prices_stay_text(pages, session):
    """Each display formula of the evening's notebooks is on its page as TeX; `$` is never math."""
    page = _page(pages, session)
    sources = []
    for nb_path in _session_notebooks(session):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type == "markdown":
                sources += re.findall(r"\$\$(.+?)\$\$", cell.source, re.DOTALL)
    for tex in sources:
        first = " ".join(tex.split()).split("\\qquad")[0].rstrip(", ")
        assert first[:30] in page.replace("&amp;", "&"), first
    assert "$$" not in page
    config = re.search(r"tex2jax: \{(.+?)\}\}", page, re.DOTALL)[1]
    assert "$" not in config


def test_session_1_has_formulas(pages):
    """The first evening's notebooks typeset formulas, so the formula check above is not empty."""
    assert "class='formula'" in _page(pages, 1)


def test_an_evening_without_display_formulas_has_no_empty_formulas_heading():
    """The Formulas heading appears only above formulas; the other sections are always there."""
    bare = handout.Session(2, [3, 4], "Chapter 3; Chapter 4", exercises=[("a.b", "Why?")])
    page = handout.render(bare, "mathjax.js")
    assert "<h2>Formulas</h2>" not in page and "<h2>Discussion questions</h2>" in page
    bare.formulas = [handout.Formula("Labels", "3. Dawid-Skene", r"T_{ik} \propto p_k")]
    assert "<h2>Formulas</h2>" in handout.render(bare, "mathjax.js")


def test_the_pages_load_nothing_from_outside_and_carry_mathjax(pages):
    """No script or stylesheet from another host; the MathJax each page loads is beside it."""
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert not offline_html.external_references(page), path.name
        (src,) = re.findall(r'<script src="([^"]+)"', page)
        assert (path.parent / urlsplit(src).path).is_file(), path.name


def test_the_handout_follows_an_edit_to_the_guide(tmp_path):
    """A question added to a copy of a guide appears on the handout built from that copy."""
    kit = tmp_path / "kit"
    shutil.copytree(paths.CHAPTERS, kit / "chapters")
    shutil.copytree(paths.NOTEBOOKS, kit / "notebooks")
    guide = kit / "chapters" / _guides()[0].name
    text = guide.read_text(encoding="utf-8")
    planted = "Which planted question about widget latency would you ask first?"
    text = re.sub(
        r"(## Discussion questions\n\n(?:.*\n)*?)(\d+\. )", rf"\g<1>1. {planted}\n\2", text, count=1
    )
    guide.write_text(text, encoding="utf-8")
    page = handout.build(tmp_path / "out", kit=kit)[0]
    assert page.name == f"session-{_session(guide.stem)}.html"
    assert planted in page.read_text(encoding="utf-8")
    assert planted not in handout.build(tmp_path / "original")[0].read_text(encoding="utf-8")


def test_no_guide_is_one_clear_error(tmp_path):
    """A kit with no chapter guide gets a message naming what is missing."""
    (tmp_path / "chapters").mkdir()
    with pytest.raises(ValueError, match="no chapter guide"):
        handout.build(tmp_path / "out", kit=tmp_path)
