"""HTML renderings of executed notebooks that work with no network.

nbconvert's HTML pages load MathJax, RequireJS and Mermaid from a CDN, so at a venue
without Wi-Fi every formula shows as raw LaTeX. Here the page loads MathJax 2 from a copy
that travels with the run folder (``<run>/_static/mathjax/``, taken from the
``jupyter-server-mathjax`` package, which vendors it for Jupyter), and references no
script or stylesheet outside the machine: RequireJS (only needed by widgets, which the kit
does not use) and Mermaid (no notebook draws diagrams) are left out.

The copy is about 3.6 MB per run folder. Left out of it: the SVG renderer, the
translations of MathJax's menu and the accessibility explorer's speech maps (about 8 MB
together); the default HTML-CSS renderer, in English, needs none of them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

STATIC = "_static"
MATHJAX_DIR = "mathjax"
#: The MathJax configuration shipped by jupyter-server-mathjax (TeX input, AMS, HTML-CSS).
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
#: Parts of MathJax that the default renderer never loads (relative to its root).
_LEFT_OUT = ("jax/output/SVG", "localization", "extensions/a11y/mathmaps")

# Blank out the CDN scripts of nbconvert's lab template; keep everything else. The vendored
# MathJax ships the STIX web fonts only (as Jupyter's classic notebook used it), so say so.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null,
                                  webFont: "STIX-Web", imageFont: null}});
</script>
{{ super() }}
{%- endblock html_head_js_mathjax -%}
"""
_TEMPLATE_NAME = "mlsd_offline.html.j2"

#: ``src``/``href`` of a script, stylesheet or module import that leaves the machine.
EXTERNAL_RESOURCE = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
    r"""|\bimport\s*\(?\s*["'](?:https?:)?//""",
    re.IGNORECASE,
)


def mathjax_source() -> Path:
    """The folder holding ``MathJax.js`` in the installed ``jupyter-server-mathjax``.

    Raises:
        RuntimeError: the package is not installed (it is one of the kit's dependencies).
    """
    try:
        import jupyter_server_mathjax
    except ImportError as exc:  # pragma: no cover - a dependency of the kit
        raise RuntimeError(
            "offline HTML needs the `jupyter-server-mathjax` package; "
            "reinstall the kit with `make setup`"
        ) from exc
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def ensure_mathjax(static_dir: Path) -> Path:
    """Copy MathJax into ``static_dir/mathjax`` unless it is there; return that folder.

    The copy is made in a temporary sibling and renamed into place, so a half-written copy
    is never used, and two processes copying at once both end with one complete copy.
    """
    target = static_dir / MATHJAX_DIR
    if (target / "MathJax.js").is_file():
        return target
    static_dir.mkdir(parents=True, exist_ok=True)
    source = mathjax_source()
    tmp = Path(tempfile.mkdtemp(prefix=".mathjax-", dir=static_dir))
    try:
        staged = tmp / MATHJAX_DIR
        shutil.copytree(source, staged, ignore=_ignore_left_out(source))
        try:
            os.rename(staged, target)
        except OSError:
            if not (target / "MathJax.js").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _ignore_left_out(root: Path):
    left_out = {(root / part).resolve() for part in _LEFT_OUT}

    def ignore(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if (Path(folder) / n).resolve() in left_out]

    return ignore


def run_root(target: Path) -> Path:
    """The run folder an HTML page belongs to: the nearest parent with a ``manifest.json``.

    ``mlsd run`` writes its manifest before any notebook executes; a page written anywhere
    else keeps its MathJax next to itself.
    """
    for folder in target.resolve().parents:
        if (folder / "manifest.json").is_file():
            return folder
    return target.resolve().parent


def write_notebook_html(notebook: Path, target: Path, *, static_root: Path | None = None) -> Path:
    """Render the executed ``notebook`` as an offline HTML page at ``target``.

    MathJax is copied (once) into ``<static_root>/_static/mathjax`` and the page loads it by
    a relative path, so the folder can be moved or zipped as a whole. Returns ``target``.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    root = run_root(target) if static_root is None else static_root
    mathjax = ensure_mathjax(root / STATIC)
    relative = os.path.relpath(mathjax / "MathJax.js", target.resolve().parent)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
        template_file=_TEMPLATE_NAME,
        mathjax_url=f"{Path(relative).as_posix()}?config={MATHJAX_CONFIG}",
    )
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    from mlsd.outputs import atomic_write  # a full disk leaves no half-written page

    return atomic_write(target, body)


def external_references(page: str) -> list[str]:
    """Each script, stylesheet, image or module import in ``page`` that leaves the machine."""
    return [m.group(0) for m in EXTERNAL_RESOURCE.finditer(page)]
