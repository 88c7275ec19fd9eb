"""The HTML pages of `mlsd run` reference nothing outside the machine and carry their MathJax."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from mlsd import offline_html

pytestmark = pytest.mark.notebook

FORMULA = r"The lifetime value is $\mathrm{LTV} = \frac{f}{c}$ and $$\sum_i p_i = 1.$$"


class _Resources(HTMLParser):
    """Every URL a page loads: script src, link href, img/iframe/source src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def resources(page: str) -> list[str]:
    parser = _Resources()
    parser.feed(page)
    return parser.urls


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("", "file", "data") and not parts.netloc


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """`mlsd run` on two small notebooks with formulas, in a throw-away kit."""
    tmp_path = tmp_path_factory.mktemp("offline-html")
    chapter = tmp_path / "kit" / "notebooks" / "ch91-html"
    chapter.mkdir(parents=True)
    for name in ("01-formula", "02-formula"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"# {name}\n\n{FORMULA}"),
            nbformat.v4.new_code_cell("seed: int = 0  # a seed", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("print('USD 86.61 per subscriber')"),
        ]
        nbformat.write(nb, chapter / f"{name}.ipynb")
    out = tmp_path / "run"
    env = {**os.environ, "MLSD_HOME": str(tmp_path / "kit")}
    result = subprocess.run(
        [sys.executable, "-m", "mlsd.cli", "run", "--out", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_run_pages_load_nothing_from_outside_the_machine(run_folder):
    """No script, stylesheet or image of an executed page is fetched from another host."""
    pages = sorted(run_folder.rglob("*.html"))
    assert len(pages) == 3, pages  # two notebooks and index.html
    for page in pages:
        text = page.read_text(encoding="utf-8")
        outside = [u for u in resources(text) if not is_local(u)]
        assert not outside, f"{page} loads {outside}"
        assert not offline_html.external_references(text), page
        assert "cdnjs" not in text and "unpkg.com" not in text, page


def test_run_pages_load_mathjax_from_a_copy_in_the_run_folder(run_folder):
    """Each notebook page loads MathJax by a relative path that exists inside the run folder."""
    pages = sorted(run_folder.glob("ch91-html/*.html"))
    assert len(pages) == 2
    for page in pages:
        scripts = [u for u in resources(page.read_text(encoding="utf-8")) if "MathJax.js" in u]
        assert len(scripts) == 1, (page, scripts)
        url = urlsplit(scripts[0])
        script = (page.parent / url.path).resolve()
        assert script.is_file(), script
        assert run_folder.resolve() in script.parents, script
        root = script.parent
        for config in url.query.removeprefix("config=").split(","):
            assert (root / "config" / f"{config}.js").is_file(), config
        # The renderer and web font the page asks for are in the copy.
        assert (
            root / "jax" / "output" / "HTML-CSS" / "fonts" / "STIX-Web" / "fontdata.js"
        ).is_file()
        assert (root / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()
    # One copy per run folder, shared by every page.
    assert len(list(run_folder.rglob("MathJax.js"))) == 1


def test_a_moved_run_folder_still_finds_its_mathjax(run_folder, tmp_path):
    """The MathJax path is relative, so a copied or unzipped run folder keeps its formulas."""
    moved = tmp_path / "elsewhere" / "run"
    shutil.copytree(run_folder, moved)
    pages = list(moved.glob("ch91-html/*.html"))
    assert pages
    for page in pages:
        (src,) = [u for u in resources(page.read_text(encoding="utf-8")) if "MathJax.js" in u]
        script = (page.parent / urlsplit(src).path).resolve()
        assert script.is_file() and moved.resolve() in script.parents, script


def test_the_external_reference_check_catches_nbconverts_cdn_page(tmp_path):
    """nbconvert's default page (MathJax from a CDN) is flagged, so the checks above can fail."""
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(FORMULA)])
    page, _ = HTMLExporter().from_notebook_node(nb)
    assert offline_html.external_references(page)
    assert [u for u in resources(page) if not is_local(u)]
