"""Sphinx configuration of the kit's website (built by ``make site``, see src/mlsd/site.py).

Everything it needs is installed by the ``site`` extra and works with no network: the theme
ships its fonts and styles, and MathJax comes from ``sphinx-mathjax-offline``.
"""

project = "ML Systems Design Meetup Kit"
author = "ML Systems Design Meetup Kit contributors"
copyright = "the ML Systems Design Meetup Kit contributors, MIT licence"

extensions = ["myst_nb", "sphinx-mathjax-offline"]  # the package is named with hyphens
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Notebooks arrive executed by `mlsd run`: never execute them again here.
nb_execution_mode = "off"
nb_merge_streams = True

# Dollar math only where it is unambiguous: "$5 and $7" in prose stays money, not a formula.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
myst_dmath_double_inline = True
# Anchors for `guide.md#agenda` links; no linkify (it turns "Booking.com" into a link).
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "show_navbar_depth": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
}
html_show_sourcelink = False
# The download button offers each page's source (the executed .ipynb for a notebook).
html_copy_source = True
html_last_updated_fmt = None
# A broken internal link is an error (the build runs with -W); a page outside every
# navigation tree is not (the data set cards are listed on their README page), nor is a
# heading that skips a level (a style matter in the guides, not a broken page).
suppress_warnings = ["toc.not_included", "myst.header"]
