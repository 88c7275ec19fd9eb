"""One house style for the kit's figures, and the few marks that recur.

Usage in a notebook::

    import mlsd
    mlsd.plots.use_house_style()
    fig, ax = plt.subplots()
    ...
    mlsd.plots.mark_x(ax, best_threshold, "profit-optimal threshold")
"""

from __future__ import annotations

import sys

import matplotlib as mpl

#: Colours for recurring roles, so "chosen" looks the same in every notebook.
COLORS = {
    "primary": "#1f77b4",
    "secondary": "#ff7f0e",
    "chosen": "#2ca02c",
    "default": "#7f7f7f",
    "bad": "#d62728",
}


#: Legible from the back of a room: a figure 8 x 4.5 inches at 120 dpi is 960 x 540 pixels (a
#: 16:9 slide's proportions), and 12-14 pt text is 20-23 pixels high on it.
HOUSE_STYLE = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 120,
    "savefig.dpi": "figure",
    "font.size": 12,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "legend.title_fontsize": 12,
    "figure.titlesize": 14,
    "lines.linewidth": 2.0,
    "lines.markersize": 7.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}


def use_house_style() -> None:
    """Set matplotlib defaults used by every notebook: projector-sized figures and fonts.

    Figures are 8 x 4.5 inches at 120 dpi (960 x 540 pixels), with 14 pt titles, 13 pt axis
    labels and 12 pt ticks and legends, so a room can read them on a projector. A cell that
    needs two panels side by side passes a wider ``figsize`` and keeps the fonts.

    In a notebook using the inline backend it also calls :func:`draw_inline_figures_once`,
    which makes every figure cell faster without changing a pixel.
    """
    mpl.rcParams.update(HOUSE_STYLE)
    draw_inline_figures_once()


#: The names matplotlib gives the inline backend (``%matplotlib inline``).
INLINE_BACKENDS = frozenset({"inline", "module://matplotlib_inline.backend_inline"})


def draw_inline_figures_once() -> bool:
    """Stop pyplot's redundant redraw of each new figure under the inline backend.

    After every cell, pyplot's IPython hook draws each changed figure on its canvas, and then
    the inline backend renders it to the PNG the notebook shows (with ``bbox_inches="tight"``,
    which draws it again to measure it): three draws, the first of which nobody sees, and text
    layout makes each draw expensive (about 0.1 s for a kit figure). Under the inline backend
    this removes that first hook with pyplot's own ``uninstall_repl_displayhook``; the PNG is
    byte for byte the same. Switching backend (``%matplotlib widget``, ``plt.switch_backend``)
    or ``plt.ion()`` installs the hook again, so interactive backends keep their redraws.

    Returns True if the hook was removed, False (doing nothing) when pyplot is not imported or
    the backend is not the inline one.
    """
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None or mpl.get_backend(auto_select=False) not in INLINE_BACKENDS:
        return False
    pyplot.uninstall_repl_displayhook()
    return True


def mark_x(ax, x: float, label: str, *, color: str | None = None, linestyle: str = "--"):
    """Draw a labelled vertical line at ``x`` (a chosen threshold, budget or effect)."""
    color = color or COLORS["chosen"]
    line = ax.axvline(x, color=color, linestyle=linestyle, linewidth=2.0, label=label)
    return line


def mark_y(ax, y: float, label: str, *, color: str | None = None, linestyle: str = ":"):
    """Draw a labelled horizontal line at ``y`` (a target, a nominal level, a formula)."""
    color = color or COLORS["default"]
    return ax.axhline(y, color=color, linestyle=linestyle, linewidth=2.0, label=label)
