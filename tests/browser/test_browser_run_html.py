"""An HTML page written by `mlsd run` typesets its formulas with every network request refused."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

pytestmark = pytest.mark.browser

FORMULA = r"Lifetime value: $\mathrm{CLV} = \frac{f}{c}$, and $$\sum_i p_i = 1.$$"


def test_run_page_typesets_formulas_offline(browser, tmp_path):
    """MathJax comes from the run folder: formulas render, no request leaves file://."""
    chapter = tmp_path / "kit" / "notebooks" / "ch91-html"
    chapter.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# Formulas\n\n{FORMULA}"),
        nbformat.v4.new_code_cell("seed: int = 0  # a seed", metadata={"tags": ["parameters"]}),
    ]
    nbformat.write(nb, chapter / "01-formulas.ipynb")
    run = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "mlsd.cli", "run", "--out", str(run), "--no-progress"],
        capture_output=True,
        text=True,
        env={**os.environ, "MLSD_HOME": str(tmp_path / "kit")},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    page = browser.new_page()
    refused: list[str] = []
    failed: list[str] = []

    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith("file:"), refuse)
    page.on("requestfailed", lambda r: failed.append(r.url))
    shot = tmp_path / "run-page.png"
    try:
        page.goto((run / "ch91-html" / "01-formulas.html").as_uri())
        page.wait_for_function(
            "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0", timeout=30_000
        )
        typeset = page.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display').length")
        errors = page.evaluate("document.querySelectorAll('.MathJax_Error, .merror').length")
        page.screenshot(path=str(shot))
    finally:
        page.close()
    outside = [u for u in refused if not u.startswith(("data:", "about:"))]
    assert not outside, f"requests off the machine: {outside} (screenshot: {shot})"
    assert not [u for u in failed if u.startswith("file:")], f"missing files: {failed}"
    assert typeset >= 2 and errors == 0, f"typeset {typeset}, errors {errors} (screenshot: {shot})"
