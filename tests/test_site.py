"""`make site` staging: every link of the staged pages lands on a file, navigation follows sessions.

The Sphinx build and the browser checks are in tests/browser (``make test-browser``); these
checks need neither Sphinx nor a browser.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mlsd import paths, runner, site

LINK = re.compile(r"\]\(([^)\s]+)")


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    """The site's sources, with the committed notebooks standing in for executed ones."""
    work = tmp_path_factory.mktemp("site")
    run = work / "run"
    shutil.copytree(paths.NOTEBOOKS, run)
    return site.stage(run, work / "src")


def test_every_relative_link_of_a_staged_page_lands_on_a_file(staged):
    """Links to folders, modules, LICENSE or checksums now point at a file inside the site."""
    missing = []
    for page in sorted(staged.rglob("*.md")):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            if not path.is_file() or staged.resolve() not in path.parents:
                missing.append(f"{page.relative_to(staged)} -> {target}")
    assert not missing, missing


def test_the_home_page_is_the_readme_with_the_session_navigation(staged):
    """index.md starts with the README and lists sessions, then each guide before its notebooks."""
    index = (staged / "index.md").read_text(encoding="utf-8")
    assert index.startswith((paths.ROOT / "README.md").read_text(encoding="utf-8").rstrip())
    entries = re.findall(r"^/(\S+)$", index, re.MULTILINE)
    for nb in runner.discover():
        assert nb.rel.with_suffix("").as_posix() in "\n".join(entries), nb.rel
    for guide in sorted(paths.CHAPTERS.glob("ch*.md")):
        chapter = guide.stem.split("-")[0]
        position = entries.index(f"chapters/{guide.stem}")
        notebooks = [i for i, e in enumerate(entries) if e.startswith(f"notebooks/{chapter}-")]
        assert notebooks and min(notebooks) == position + 1, (guide.name, entries)
    captions = re.findall(r"^:caption: (.+)$", index, re.MULTILINE)
    assert captions[0] == "Before the first meeting"
    assert "Session 1: book chapters 1 and 2" in captions
    assert "Session 2: book chapters 3 and 4" in captions


def test_a_site_folder_not_made_by_make_site_is_never_replaced(tmp_path):
    """`--out` pointing at someone's folder stops before any work, naming the folder."""
    pytest.importorskip("sphinx", reason="the site extra is not installed")
    pytest.importorskip("myst_nb", reason="the site extra is not installed")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(site.SiteError, match="was not made by `make site`"):
        site.build(folder)
    assert (folder / "notes.txt").read_text() == "keep me"
