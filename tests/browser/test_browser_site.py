"""The website of `make site`, built with the network cut off, seen in a real browser.

The site is built once for the session (inside ``unshare -n`` when the machine allows it),
unless ``MLSD_SITE`` names an already built folder. Its pages are served on 127.0.0.1 and
checked: no request leaves the machine, formulas are typeset, figures load, prices are not
formulas, and a crawl of every internal link finds the page and anchor it points at.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import nbformat
import pytest
from _support import LETTER_RUN_JS, LETTER_RUN_MARK, namespace_prefix, serve_folder

from mlsd import paths, runner

# One xdist unit for the whole module (tests/browser/conftest.py's scheduler), so one build.
pytestmark = pytest.mark.browser

NOTEBOOKS = [nb.rel for nb in runner.discover()]
DRAWS_FIGURE = re.compile(r"\bplt\.(subplots|figure)\(")

_MATH_STATE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  /* letterRun */
  const spans = [...document.querySelectorAll('.math')];
  return {
    math: spans.length,
    typeset: spans.filter(s => s.querySelector('mjx-container')).length,
    errors: document.querySelectorAll('mjx-merror').length,
    money: [...document.querySelectorAll('mjx-container')].filter(m => {
      const mml = m.querySelector('math');
      return mml && mml.querySelectorAll('mn').length && letterRun(mml) >= 3;
    }).map(m => m.textContent.slice(0, 80)),
    images: [...document.querySelectorAll('main img, article img')].map(
      i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0})),
  };
}""".replace(LETTER_RUN_MARK, LETTER_RUN_JS)


def _claim_the_build(tmp_path_factory) -> None:
    """Fail if another xdist worker of this run has built the site already (a build is minutes)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    claim = tmp_path_factory.getbasetemp().parent / "site-built-by"  # shared by the workers
    try:
        fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        pytest.fail(
            f"worker {claim.read_text()} of this run built the site already; this module's "
            "tests must run on one worker (the scheduler in tests/browser/conftest.py)"
        )
    with os.fdopen(fd, "w") as handle:
        handle.write(worker)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> tuple[Path, str]:
    """The site's folder, and how it was built (offline namespace, or given by MLSD_SITE)."""
    given = os.environ.get("MLSD_SITE")
    if given:
        folder = Path(given)
        assert (folder / "index.html").is_file(), f"MLSD_SITE={given} holds no built site"
        return folder, "given"
    _claim_the_build(tmp_path_factory)
    out = tmp_path_factory.mktemp("site") / "site"
    prefix = namespace_prefix()
    env = {k: v for k, v in os.environ.items() if k != "MLSD_HOME"}
    result = subprocess.run(
        [*(prefix or []), sys.executable, "-m", "mlsd.site", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, f"site build failed:\n{result.stdout}\n{result.stderr}"
    return out, "network namespace" if prefix else "with network"


@pytest.fixture(scope="session")
def site(built_site):
    folder, _how = built_site
    with serve_folder(folder) as base:
        yield folder, base


def test_the_site_was_built_with_the_network_cut_off(built_site):
    """`python -m mlsd.site` (what `make site` runs) builds inside `unshare -n`."""
    _folder, how = built_site
    if how == "given":
        pytest.skip("MLSD_SITE names a site built elsewhere")
    if how != "network namespace":
        pytest.skip("unshare -n is not allowed here, so the offline build is not proven")
    assert how == "network namespace"


def page_paths() -> list[str]:
    return ["index.html", *(f"notebooks/{nb.with_suffix('.html').as_posix()}" for nb in NOTEBOOKS)]


@pytest.mark.parametrize("page_path", page_paths())
def test_page_loads_everything_from_this_machine(browser, site, page_path, tmp_path):
    """The page requests nothing off 127.0.0.1, typesets its formulas and loads its figures."""
    folder, base = site
    assert (folder / page_path).is_file(), f"the site has no page {page_path}"
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requests: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    shot = tmp_path / (page_path.replace("/", "__") + ".png")
    try:
        page.goto(f"{base}/{page_path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        state = page.evaluate(_MATH_STATE)
        page.screenshot(path=str(shot))
    finally:
        page.close()
    where = f"{page_path} (screenshot: {shot})"
    outside = [
        u
        for u in requests
        if urlsplit(u).scheme not in ("data", "blob", "about")
        and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert not outside, f"{where} requested {outside}"
    assert not failed, f"{where}: failed requests {failed}"
    assert state["typeset"] == state["math"], f"{where}: formulas not typeset: {state}"
    assert state["errors"] == 0, f"{where}: MathJax errors"
    assert not state["money"], f"{where}: prices typeset as math: {state['money']}"
    assert all(i["loaded"] for i in state["images"]), f"{where}: images {state['images']}"
    if page_path.startswith("notebooks/"):
        source = paths.NOTEBOOKS / Path(page_path).relative_to("notebooks").with_suffix(".ipynb")
        nb = nbformat.read(source, as_version=4)
        if any(c.cell_type == "code" and DRAWS_FIGURE.search(c.source) for c in nb.cells):
            assert state["images"], f"{where}: the notebook draws figures; the page shows none"
        if any(
            c.cell_type == "markdown" and re.search(r"\$[^$\d\s][^$]*\$", c.source)
            for c in nb.cells
        ):
            assert state["math"], f"{where}: the notebook has formulas; the page typesets none"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "script") and a.get("src"):
            self.links.append(a["src"])
        if tag == "link" and a.get("href"):
            self.links.append(a["href"])


def _fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""


def test_every_internal_link_resolves(site):
    """A crawl from the home page finds every linked page, file and anchor inside the site."""
    _folder, base = site
    start = f"{base}/index.html"
    seen: dict[str, _Links] = {}
    status_of: dict[str, int] = {}
    queue = [start]
    anchors: list[tuple[str, str, str]] = []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        status, body, kind = _fetch(url)
        status_of[url] = status
        seen[url] = parsed = _Links()
        if status != 200 or kind != "text/html":
            continue
        parsed.feed(body.decode("utf-8", errors="replace"))
        for href in parsed.links:
            target, fragment = urldefrag(urljoin(url, href))
            if urlsplit(target).hostname != "127.0.0.1":
                continue  # the page test proves nothing off the machine is requested
            target = target.split("?")[0]
            if target.endswith("/"):
                target += "index.html"
            if fragment:
                anchors.append((url, target, fragment))
            if target not in seen:
                queue.append(target)
    broken = [f"{url} -> HTTP {status}" for url, status in status_of.items() if status != 200]
    for page, target, fragment in anchors:
        if target.endswith(".html") and fragment not in seen[target].ids:
            broken.append(f"{page} links to {target}#{fragment}: no such anchor")
    pages = [u for u in seen if u.endswith(".html")]
    assert len(pages) >= 1 + len(NOTEBOOKS), pages
    assert not broken, "broken links:\n" + "\n".join(sorted(set(broken)))
