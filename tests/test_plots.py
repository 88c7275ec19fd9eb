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
