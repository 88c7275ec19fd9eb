"""Links that hold: relative links in README.md and chapters/ resolve; guides link notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlsd import paths

DOCS = [
    paths.ROOT / "README.md",
    paths.ROOT / "CONTRIBUTING.md",
    *sorted(paths.CHAPTERS.glob("*.md")),
]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(doc: Path) -> list[str]:
    return [
        t
        for t in LINK.findall(doc.read_text())
        if not re.match(r"^[a-z]+:", t) and not t.startswith("#")
    ]


@pytest.mark.parametrize("doc", DOCS, ids=[d.relative_to(paths.ROOT).as_posix() for d in DOCS])
def test_relative_links_resolve(doc):
    """Each relative link points at a file or folder that exists (anchors are ignored)."""
    missing = [t for t in relative_links(doc) if not (doc.parent / t.split("#")[0]).exists()]
    assert not missing, missing


def test_every_notebook_is_linked_from_a_chapter_guide():
    """Each lesson notebook (besides the set-up check) is linked from a chapter guide."""
    guides = [g for g in paths.CHAPTERS.glob("ch*.md")]
    linked = {(g.parent / t.split("#")[0]).resolve() for g in guides for t in relative_links(g)}
    for nb in paths.NOTEBOOKS.rglob("*.ipynb"):
        if ".ipynb_checkpoints" in nb.parts or nb.parent.name.startswith("ch00"):
            continue
        assert nb.resolve() in linked, nb.relative_to(paths.ROOT)


def test_readme_session_map_links_guides_and_notebooks():
    """The README's session map links session 1's guides and each of its notebooks."""
    text = (paths.ROOT / "README.md").read_text()
    for target in (
        "chapters/ch01-overview.md",
        "chapters/ch02-ml-systems-design.md",
        "notebooks/ch01-overview/01-churn-in-dollars.ipynb",
        "notebooks/ch01-overview/02-latency-vs-throughput.ipynb",
        "notebooks/ch02-ml-systems-design/01-framing-ml-problems.ipynb",
        "notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb",
    ):
        assert f"]({target}" in text, target
