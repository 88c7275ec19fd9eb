"""Every notebook, instructor and learner edition, run in JupyterLab in a real browser.

What a person sees is checked, not what the kernel returns: the `$` of a price typeset as
a formula, a traceback, a warning, a figure that never appears. nbval and papermill cannot
see those. Run with ``make test-browser``; skipped when playwright or chromium is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from _support import LETTER_RUN_JS, LETTER_RUN_MARK, LabServer, http_status

from mlsd import paths, runner

pytestmark = pytest.mark.browser

#: Notebooks as JupyterLab serves them: instructor editions, then learner editions.
EDITIONS = ("notebooks", "learner")
NOTEBOOKS = [nb.rel.as_posix() for nb in runner.discover()]
RUN_TIMEOUT_S = 240
TYPESET_TIMEOUT_S = 60
#: A cell that draws a figure (and does not close it) must show an image.
DRAWS_FIGURE = re.compile(r"\bplt\.(subplots|figure)\(")
CLOSES_FIGURE = re.compile(r"\bplt\.close\(")
WARNING_TEXT = re.compile(r"\b[A-Z]\w*Warning\b")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on a copy of the notebooks and of the learner editions (never the sources)."""
    work = tmp_path_factory.mktemp("lab")
    served = work / "served"
    shutil.copytree(
        paths.NOTEBOOKS, served / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    student = subprocess.run(
        [sys.executable, "-m", "mlsd.cli", "student", "--out", str(served / "learner")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert student.returncode == 0, student.stdout + student.stderr
    server = LabServer(served, work / "home").start()
    try:
        yield server
    finally:
        server.stop()


def test_lab_and_api_refuse_requests_without_the_token(lab):
    """The lab page redirects to the login form and the API answers 403 without the token."""
    assert http_status(f"{lab.base}/lab") in (302, 403)
    assert http_status(f"{lab.base}/api/contents") == 403
    assert http_status(f"{lab.base}/api/kernels") == 403
    assert http_status(f"{lab.base}/api/contents?token=wrong{lab.token}") == 403
    # The same requests with the token succeed, so the refusals above are about the token.
    assert http_status(f"{lab.base}/api/contents?token={lab.token}") == 200
    assert http_status(f"{lab.base}/lab?token={lab.token}") == 200


_APP_READY = "() => !!(window.jupyterapp && jupyterapp.shell && jupyterapp.commands)"

_OPEN = """async (path) => {
  await jupyterapp.restored;
  await jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});
}"""

# Shut the kernel down and close the notebook without saving (Run All changed it).
_CLOSE = """async () => {
  for (const widget of [...jupyterapp.shell.widgets('main')]) {
    if (widget.sessionContext) await widget.sessionContext.shutdown();
    widget.dispose();
  }
}"""

_KERNEL_IDLE = """(path) => {
  const nb = window.jupyterapp && jupyterapp.shell.currentWidget;
  const kernel = nb && nb.sessionContext && nb.sessionContext.session
    && nb.sessionContext.session.kernel;
  return !!(kernel && kernel.status === 'idle' && nb.context.path === path
            && nb.content && nb.content.widgets.length);
}"""

_STARTED = """() => {
  const nb = jupyterapp.shell.currentWidget;
  return nb.content.widgets.some(c => c.model.type === 'code'
    && (c.model.executionCount !== null
        || /\\*/.test(c.promptNode ? c.promptNode.textContent : '')));
}"""

_FINISHED = """() => {
  const nb = jupyterapp.shell.currentWidget;
  const kernel = nb.sessionContext.session.kernel;
  if (kernel.status !== 'idle') return false;
  const code = nb.content.widgets.filter(c => c.model.type === 'code');
  const pending = code.some(c => /\\*/.test(c.promptNode ? c.promptNode.textContent : ''));
  if (pending) return false;
  const failed = document.querySelector(
    '.jp-OutputArea [data-mime-type="application/vnd.jupyter.stderr"]');
  return code.every(c => c.model.executionCount !== null) || !!failed;
}"""

# Formulas are typeset once MathJax has loaded, a moment after the outputs arrive. True when
# typesetting is done: a typeset queued now returns only after every earlier one has run (they
# all wait for the same MathJax load, then run at once), and no rendered Markdown or HTML shows
# a `$...$`, `\(...\)` or `\[...\]` still as text (outside code and typeset formulas).
_TYPESET = """async () => {
  const nb = jupyterapp.shell.currentWidget;
  const typesetter = nb.content.rendermime.latexTypesetter;
  if (typesetter) await typesetter.typeset(document.createElement('div'));
  const raw = /\\$[^$]+\\$|\\\\\\([\\s\\S]*\\\\\\)|\\\\\\[[\\s\\S]*\\\\\\]/;
  const skip = 'code, pre, mjx-container, script, style, textarea, .jp-InputArea-editor';
  for (const host of nb.content.node.querySelectorAll('.jp-RenderedHTMLCommon')) {
    const walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (raw.test(t.textContent) && !t.parentElement.closest(skip)) return false;
    }
  }
  return nb.content.widgets.every(c => c.model.type !== 'markdown' || c.rendered);
}"""

# One record per cell: what the page shows, for the checks in Python.
_INSPECT = """() => {
  const nb = jupyterapp.shell.currentWidget;
  /* letterRun */
  return nb.content.widgets.map((cell, index) => {
    const node = cell.node;
    const maths = [...node.querySelectorAll('mjx-container, .MathJax')].map(m => {
      const mml = m.querySelector('math');
      const output = m.closest('.jp-OutputArea-output');
      const typed = output && (output.querySelector('[data-mime-type]') || output);
      const mime = typed ? typed.getAttribute('data-mime-type') : null;
      return {text: m.textContent.trim().slice(0, 120), in_output: !!output, mime,
              letters: mml ? letterRun(mml) : 0,
              digits: mml ? mml.querySelectorAll('mn').length : 0};
    });
    const outputs = [...node.querySelectorAll('.jp-OutputArea-output')].map(o => {
      const typed = o.querySelector('[data-mime-type]');
      const mime = (typed || o).getAttribute('data-mime-type') || '';
      return {mime, text: o.innerText.slice(0, 4000)};
    });
    const images = [...node.querySelectorAll('.jp-OutputArea-output img')].map(
      img => ({loaded: img.complete && img.naturalWidth > 0}));
    return {index, type: cell.model.type, source: cell.model.sharedModel.getSource(),
            count: cell.model.type === 'code' ? cell.model.executionCount : null,
            prompt: cell.promptNode ? cell.promptNode.textContent.trim() : '',
            maths, outputs, images};
  });
}""".replace(LETTER_RUN_MARK, LETTER_RUN_JS)


class LabPage:
    """One JupyterLab page per worker, in a fresh workspace, each notebook opened in it and
    closed (its kernel shut down) after its test: loading JupyterLab is seconds of chromium's
    time per test. After anything unexpected the page is dropped, the next test gets a new one.
    """

    def __init__(self, browser, lab: LabServer) -> None:
        self.browser = browser
        self.lab = lab
        self.page = None

    def get(self):
        if self.page is None:
            self.page = self.browser.new_page(viewport={"width": 1280, "height": 1000})
            self.page.goto(self.lab.workspace_url())
            self.page.wait_for_function(_APP_READY, timeout=120_000, polling=100)
        return self.page

    def close_notebooks(self) -> None:
        if self.page is not None:
            self.page.evaluate(_CLOSE)

    def drop(self) -> None:
        if self.page is not None:
            self.page.close()
            self.page = None


@pytest.fixture(scope="session")
def lab_page(browser, lab):
    """The worker's JupyterLab page (see ``LabPage``)."""
    shared = LabPage(browser, lab)
    try:
        yield shared
    finally:
        shared.drop()


def open_and_run(page, path: str) -> float:
    """Open ``path`` in the lab page, Run All, wait until the kernel is done; seconds."""
    start = time.monotonic()
    page.evaluate(_OPEN, path)
    page.wait_for_function(_KERNEL_IDLE, arg=path, timeout=120_000, polling=100)
    for _attempt in range(4):
        page.evaluate("jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_function(_STARTED, timeout=15_000, polling=100)
            break
        except Exception:  # under load the first Run All sometimes does nothing: retry
            continue
    else:
        raise AssertionError(f"{path}: Run All never started a cell")
    page.wait_for_function(_FINISHED, timeout=RUN_TIMEOUT_S * 1000, polling=100)
    wait_until_typeset(page, path)
    return time.monotonic() - start


def wait_until_typeset(page, path: str) -> None:
    """Poll ``_TYPESET`` (wait_for_function would take its promise as a truthy answer)."""
    deadline = time.monotonic() + TYPESET_TIMEOUT_S
    while not page.evaluate(_TYPESET):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path}: formulas still not typeset after {TYPESET_TIMEOUT_S} s")
        page.wait_for_timeout(100)


def problems_in(cells: list[dict]) -> list[str]:
    """Everything a reader would see as wrong in the page, one line per cell and kind."""
    found = []
    for cell in cells:
        where = f"cell {cell['index'] + 1} ({cell['type']})"
        if cell["type"] == "code" and cell["count"] is None:
            found.append(f"{where}: not executed (prompt {cell['prompt']!r})")
        for out in cell["outputs"]:
            if "stderr" in out["mime"] or "error" in out["mime"]:
                found.append(f"{where}: error or stderr output: {out['text'][:300]!r}")
            elif WARNING_TEXT.search(out["text"]):
                found.append(f"{where}: warning text in output: {out['text'][:300]!r}")
        for math in cell["maths"]:
            if math["in_output"] and math["mime"] != "text/latex":
                found.append(f"{where}: a formula typeset inside an output: {math['text']!r}")
            # A price read as math ("$5 and $7" gives the formula "5 and") shows as a number
            # followed by italic letters; real formulas seldom set three letters in a row.
            elif math["letters"] >= 3 and math["digits"]:
                found.append(f"{where}: a dollar amount typeset as math: {math['text']!r}")
        if (
            cell["type"] == "code"
            and cell["count"] is not None
            and DRAWS_FIGURE.search(cell["source"])
            and not CLOSES_FIGURE.search(cell["source"])
            and not cell["images"]
        ):
            found.append(f"{where}: draws a figure but shows no image")
        if any(not img["loaded"] for img in cell["images"]):
            found.append(f"{where}: an image did not load")
    return found


def check_notebook(lab_page: LabPage, path: str, shots: Path) -> tuple[list[str], Path]:
    """Run ``path`` in the lab; return the problems found and the screenshot's path."""
    page = lab_page.get()
    shot = shots / (path.replace("/", "__") + ".png")
    done = False
    try:
        open_and_run(page, path)
        cells = page.evaluate(_INSPECT)
        found = problems_in(cells)
        if found:
            # Show the first problem on the screenshot.
            first = int(found[0].split()[1]) - 1
            page.evaluate(
                "(i) => jupyterapp.shell.currentWidget.content.widgets[i].node.scrollIntoView()",
                first,
            )
            page.wait_for_timeout(300)
        page.screenshot(path=str(shot))
        lab_page.close_notebooks()
        done = True
        return found, shot
    finally:
        if not done:
            lab_page.drop()


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_clean_in_jupyterlab(lab_page, notebook, edition, tmp_path):
    """Run All executes every cell with no error, warning, stray formula or missing figure."""
    path = f"{edition}/{notebook}"
    found, shot = check_notebook(lab_page, path, tmp_path)
    assert shot.is_file()
    assert not found, f"{path} (screenshot: {shot}):\n" + "\n".join(found)


def test_the_checks_catch_a_planted_dollar_and_a_raising_cell(lab_page, lab, tmp_path):
    """A `$5` price in Markdown and a cell that raises, planted in a copy, are both reported."""
    source = paths.NOTEBOOKS / NOTEBOOKS[0]
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("Planted: the plan costs $5 and $7 with tax."))
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('planted failure')"))
    planted = lab.root_dir / "planted" / Path(NOTEBOOKS[0]).name
    planted.parent.mkdir(exist_ok=True)
    nbformat.write(nb, planted)

    found, shot = check_notebook(lab_page, f"planted/{planted.name}", tmp_path)
    assert shot.is_file()
    assert any(line.startswith("cell 2 (markdown): a dollar amount") for line in found), found
    last = len(nb.cells)
    assert any(
        line.startswith(f"cell {last} (code): error") and "planted failure" in line
        for line in found
    ), found
    # The unplanted notebook passes the same checks, so the planted cells are what failed.
    assert not any(line.startswith(f"cell {i} ") for i in range(3, last) for line in found), found
