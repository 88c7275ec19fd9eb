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


def test_one_page_per_session_with_a_guide(pages):
    """Session 1 (chapters 1 and 2) gets `session-1.html`; no other file but the MathJax copy."""
    sessions = {(int(re.match(r"ch(\d+)", g.stem)[1]) + 1) // 2 for g in _guides()}
    assert sorted(p.name for p in pages) == [f"session-{n}.html" for n in sorted(sessions)]
    assert {p.name for p in pages[0].parent.iterdir()} == {p.name for p in pages} | {"_static"}


def test_every_discussion_question_and_exercise_is_on_the_handout(pages):
    """Each guide's discussion questions and each exercise a notebook loads appear, in order."""
    page = pages[0].read_text(encoding="utf-8")
    plain = re.sub(r"<[^>]+>", "", page)
    for guide in _guides():
        for item in _numbered_items(guide, "Discussion questions"):
            assert item[:40] in plain, (guide.name, item)
    ids = []
    for nb_path in sorted(paths.NOTEBOOKS.glob("ch0[12]-*/*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type == "code":
                for qid in re.findall(r'exercises\.get\("([^"]+)"\)', cell.source):
                    if qid not in ids:
                        ids.append(qid)
    assert ids, "the session 1 notebooks load no exercise"
    shown = re.findall(r"<code>([\w.-]+\.[\w]+)</code></li>", page)
    assert shown == ids


def test_formulas_come_from_the_notebooks_and_prices_stay_text(pages):
    """Each display formula of the notebooks is on the page as TeX; `$` never delimits math."""
    page = pages[0].read_text(encoding="utf-8")
    sources = []
    for nb_path in sorted(paths.NOTEBOOKS.glob("ch0[12]-*/*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type == "markdown":
                sources += re.findall(r"\$\$(.+?)\$\$", cell.source, re.DOTALL)
    assert sources
    for tex in sources:
        first = " ".join(tex.split()).split("\\qquad")[0].rstrip(", ")
        assert first[:30] in page.replace("&amp;", "&"), first
    assert "$$" not in page
    config = re.search(r"tex2jax: \{(.+?)\}\}", page, re.DOTALL)[1]
    assert "$" not in config


def test_the_page_loads_nothing_from_outside_and_carries_mathjax(pages):
    """No script or stylesheet from another host; the MathJax it loads is beside it."""
    page = pages[0].read_text(encoding="utf-8")
    assert not offline_html.external_references(page)
    (src,) = re.findall(r'<script src="([^"]+)"', page)
    assert (pages[0].parent / urlsplit(src).path).is_file()


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
    (page,) = handout.build(tmp_path / "out", kit=kit)
    assert planted in page.read_text(encoding="utf-8")
    assert planted not in handout.build(tmp_path / "original")[0].read_text(encoding="utf-8")


def test_no_guide_is_one_clear_error(tmp_path):
    """A kit with no chapter guide gets a message naming what is missing."""
    (tmp_path / "chapters").mkdir()
    with pytest.raises(ValueError, match="no chapter guide"):
        handout.build(tmp_path / "out", kit=tmp_path)
