"""One house style for the kit's figures, and the few marks that recur.

Usage in a notebook::

    import mlsd
    mlsd.plots.use_house_style()
    fig, ax = plt.subplots()
    ...
    mlsd.plots.mark_x(ax, best_threshold, "profit-optimal threshold")
"""

from __future__ import annotations

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
    """
    mpl.rcParams.update(HOUSE_STYLE)


def mark_x(ax, x: float, label: str, *, color: str | None = None, linestyle: str = "--"):
    """Draw a labelled vertical line at ``x`` (a chosen threshold, budget or effect)."""
    color = color or COLORS["chosen"]
    line = ax.axvline(x, color=color, linestyle=linestyle, linewidth=2.0, label=label)
    return line


def mark_y(ax, y: float, label: str, *, color: str | None = None, linestyle: str = ":"):
    """Draw a labelled horizontal line at ``y`` (a target, a nominal level, a formula)."""
    color = color or COLORS["default"]
    return ax.axhline(y, color=color, linestyle=linestyle, linewidth=2.0, label=label)
