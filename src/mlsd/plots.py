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


def use_house_style() -> None:
    """Set matplotlib defaults used by every notebook (size, grid, no top/right spines)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.frameon": False,
        }
    )


def mark_x(ax, x: float, label: str, *, color: str | None = None, linestyle: str = "--"):
    """Draw a labelled vertical line at ``x`` (a chosen threshold, budget or effect)."""
    color = color or COLORS["chosen"]
    line = ax.axvline(x, color=color, linestyle=linestyle, linewidth=1.5, label=label)
    return line


def mark_y(ax, y: float, label: str, *, color: str | None = None, linestyle: str = ":"):
    """Draw a labelled horizontal line at ``y`` (a target, a nominal level, a formula)."""
    color = color or COLORS["default"]
    return ax.axhline(y, color=color, linestyle=linestyle, linewidth=1.5, label=label)
