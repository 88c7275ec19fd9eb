"""The house style is legible on a projector: figure size, dpi and font sizes, on a saved PNG."""

from __future__ import annotations

import matplotlib as mpl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from mlsd import plots


@pytest.fixture
def house_style():
    """Apply the house style for one test and restore matplotlib's settings afterwards."""
    with mpl.rc_context():
        plots.use_house_style()
        yield


def _figure() -> Figure:
    """A typical kit figure: two series, a legend, a marked threshold, labelled axes."""
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label="model")
    ax.plot([0, 1, 2], [0, 2, 3], label="rule")
    plots.mark_x(ax, 1.0, "chosen threshold")
    ax.set_title("Which contact threshold earns most?")
    ax.set_xlabel("threshold")
    ax.set_ylabel("profit per 1,000 customers (USD)")
    ax.legend()
    return fig


def test_house_style_font_sizes(house_style):
    """Titles 14 pt, axis labels 13 pt, ticks and legends 12 pt on a figure drawn in the style."""
    fig = _figure()
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.title.get_fontsize() == 14
    assert ax.xaxis.label.get_fontsize() == 13
    assert ax.yaxis.label.get_fontsize() == 13
    ticks = ax.get_xticklabels() + ax.get_yticklabels()
    assert ticks and {t.get_fontsize() for t in ticks} == {12}
    legend = ax.get_legend().get_texts()
    assert len(legend) == 3 and {t.get_fontsize() for t in legend} == {12}


def test_saved_png_is_960_by_540_pixels(house_style, tmp_path):
    """A figure saved with default arguments is 8 x 4.5 in at 120 dpi: 960 x 540 pixels."""
    path = tmp_path / "figure.png"
    _figure().savefig(path)
    with Image.open(path) as image:
        assert image.size == (960, 540)


def test_text_is_tall_enough_in_pixels(house_style):
    """Rendered at the saved dpi, ticks and legend are 20 px tall, axis labels 21+ (was 14)."""
    fig = _figure()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    ticks = [t.get_window_extent(renderer).height for t in ax.get_xticklabels()]
    legend = [t.get_window_extent(renderer).height for t in ax.get_legend().get_texts()]
    label = ax.xaxis.label.get_window_extent(renderer).height
    # 12 pt at 120 dpi is 20 pixels; matplotlib's defaults (10 pt at 100 dpi) give 13.9.
    assert min(ticks) >= 19.5, ticks
    assert min(legend) >= 19.5, legend
    assert label >= 21, label


# Runs in a fresh interpreter: the inline backend and an IPython shell are process-wide state.
_INLINE_SESSION = r"""
import json

from IPython.core.interactiveshell import InteractiveShell


class Shell(InteractiveShell):
    def enable_gui(self, gui=None):  # no event loop: the inline backend needs none
        pass


shell = Shell.instance()
pngs = []
shell.display_pub.publish = lambda data, **kw: pngs.append(data.get("image/png"))
FIGURE_CELL = (
    "fig, ax = plt.subplots()\n"
    "ax.plot([0, 1, 2], [0, 1, 4], label='model')\n"
    "ax.set_title('Which contact threshold earns most?')\n"
    "ax.set_xlabel('threshold')\n"
    "ax.legend();\n"
)


def run(code):
    result = shell.run_cell(code, store_history=False)
    result.raise_error()


run("%matplotlib inline\nimport matplotlib.pyplot as plt\nimport matplotlib.figure as mf")
run("draws = []\n_draw = mf.Figure.draw")
run("mf.Figure.draw = lambda f, r: (draws.append(1), _draw(f, r))[1]")
out = {}


def hooked():
    import matplotlib.pyplot as plt

    return plt._draw_all_if_interactive in shell.events.callbacks["post_execute"]


def figure():
    draws = shell.user_ns["draws"]
    draws.clear()
    n_png = len(pngs)
    run(FIGURE_CELL)
    return len(draws), pngs[n_png:]


from mlsd import plots

out["hooked_before"] = hooked()
out["draws_before"], png_before = figure()
out["removed"] = plots.draw_inline_figures_once()
out["hooked_after"] = hooked()
out["draws_after"], png_after = figure()
out["same_png"] = len(png_before) == 1 and png_before == png_after
run("plt.switch_backend('agg')")
out["hooked_agg"] = hooked()
out["removed_agg"] = plots.draw_inline_figures_once()
run("%matplotlib inline")
out["hooked_inline_again"] = hooked()
plots.use_house_style()
out["hooked_house_style"] = hooked()
print(json.dumps(out))
"""


def test_inline_figures_drawn_twice_not_three_times_and_look_the_same():
    """Under the inline backend a figure cell draws twice, not three times, for the same PNG."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", _INLINE_SESSION],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # pyplot's hook draws each new figure, then the inline backend draws it twice for the PNG.
    assert out["hooked_before"] and out["draws_before"] == 3, out
    assert out["removed"] and not out["hooked_after"], out
    assert out["draws_after"] == 2, out
    assert out["same_png"], "the PNG changed when the redundant draw was removed"
    # Another backend gets pyplot's hook back, and the function leaves it alone there.
    assert out["hooked_agg"] and not out["removed_agg"], out
    assert out["hooked_inline_again"] and not out["hooked_house_style"], out
