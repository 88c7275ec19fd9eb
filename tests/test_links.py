"""Links that hold: relative links in README.md and chapters/ resolve; guides link notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlsd import guides, paths

DOCS = [
    paths.ROOT / "README.md",
    paths.ROOT / "CONTRIBUTING.md",
    *sorted(paths.CHAPTERS.glob("*.md")),
]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(doc: Path) -> list[str]:
    return [
        t
        for t in LINK.findall(doc.read_text())
        if not re.match(r"^[a-z]+:", t) and not t.startswith("#")
    ]


@pytest.mark.parametrize("doc", DOCS, ids=[d.relative_to(paths.ROOT).as_posix() for d in DOCS])
def test_relative_links_resolve(doc):
    """Each relative link points at a file or folder that exists (anchors are ignored)."""
    missing = [t for t in relative_links(doc) if not (doc.parent / t.split("#")[0]).exists()]
    assert not missing, missing


def test_every_notebook_is_linked_from_a_chapter_guide():
    """Each lesson notebook (besides the set-up check) is linked from a chapter guide."""
    guides = [g for g in paths.CHAPTERS.glob("ch*.md")]
    linked = {(g.parent / t.split("#")[0]).resolve() for g in guides for t in relative_links(g)}
    for nb in paths.NOTEBOOKS.rglob("*.ipynb"):
        if ".ipynb_checkpoints" in nb.parts or nb.parent.name.startswith("ch00"):
            continue
        assert nb.resolve() in linked, nb.relative_to(paths.ROOT)


def test_readme_session_map_links_guides_and_notebooks():
    """The README's session map links every planned evening's guides and each of its notebooks."""
    text = (paths.ROOT / "README.md").read_text()
    rows = {
        line.split("|")[1].strip(): line
        for line in text.split("## Session map", 1)[1].split("\n## ", 1)[0].splitlines()
        if line.startswith("| ")
    }
    for session in guides.SESSIONS:
        row = rows[str(session.number)]
        for chapter in session.chapters:
            assert f"](chapters/{chapter}.md)" in row, (session.number, chapter)
            for nb in guides.lesson_notebooks(chapter):
                assert f"](notebooks/{chapter}/{nb.name})" in row, (session.number, nb.name)
    assert "2-6" not in rows, "session 2 has its own row now"


def test_session_plan_links_each_evening_and_bolds_its_notebooks():
    """chapters/README.md's table links each planned evening's guides and bolds its notebooks."""
    text = (paths.CHAPTERS / "README.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for session in guides.SESSIONS:
        row = rows[str(session.number)]
        for chapter in session.chapters:
            assert f"]({chapter}.md)" in row, (session.number, chapter)
            for nb in guides.lesson_notebooks(chapter):
                assert f"](../notebooks/{chapter}/{nb.name})**" in row, (session.number, nb.name)
        assert f"### Session {session.number} at a glance" in text


# ---------------------------------------------------------------- agenda rows point at sections

GUIDES = sorted(paths.CHAPTERS.glob("ch*.md"))
KEY_TERM = re.compile(r"^(?:`([^`]+)`|\*\*([^*]+)\*\*)$")


def agenda_rows(guide: Path) -> list[tuple[str, str, str]]:
    """(notebook, section, key term) of each row of the guide's "What each section shows" table."""
    m = re.search(r"^### What each section shows$(.*?)(?=^#{1,3} )", guide.read_text(), re.S | re.M)
    if not m:
        return []
    rows = []
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("notebook", "---"):
            continue
        rows.append((cells[0], cells[1], cells[-1]))
    return rows


def agenda_problems(guide: Path) -> list[str]:
    """What is wrong with the guide's agenda rows: a missing section, a key term not in it."""
    rows = agenda_rows(guide)
    if not rows:
        return [f"{guide.name} has no '### What each section shows' table"]
    notebooks = guides.lesson_notebooks(guide.stem)
    problems = []
    for name, section_ref, term_cell in rows:
        nb = guides.notebook_named(name, notebooks)
        ref = re.fullmatch(r"\*(.+)\*", section_ref)
        term = KEY_TERM.match(term_cell)
        if nb is None or ref is None or term is None:
            problems.append(f"unparseable row: {name} | {section_ref} | {term_cell}")
            continue
        section = guides.find_section(guides.sections(nb), ref.group(1))
        key = term.group(1) or term.group(2)
        if section is None:
            problems.append(f"{nb.name}: no section {ref.group(1)!r}")
        elif key.lower() not in section.text.lower():
            problems.append(f"{nb.name} '{section.heading}': no {key!r}")
    return problems


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.name)
def test_agenda_rows_name_a_section_that_contains_their_key_term(guide):
    """Each agenda row's notebook section exists and contains the key term the row names."""
    assert agenda_problems(guide) == []


def test_agenda_check_catches_a_wrong_pointer(tmp_path):
    """A row whose key term its section never uses, and a row naming a lost section, fail."""
    guide = tmp_path / "ch02-ml-systems-design.md"
    guide.write_text(
        "### What each section shows\n\n| notebook | section | what | key term |\n"
        "|---|---|---|---|\n"
        '| framing | *"Reduce churn" is a goal* | peeking | **sequential test** |\n'
        "| A/B | *12. No such section* | nothing | **ship** |\n\n## End\n"
    )
    problems = agenda_problems(guide)
    assert len(problems) == 2, problems
    assert "no 'sequential test'" in problems[0]
    assert "no section '12. No such section'" in problems[1]


# ---------------------------------------------------------------- the participant page

SETUP = paths.CHAPTERS / "setup.md"
#: Paths that a command creates (the page names them, the repository does not hold them).
GENERATED = ("runs/", ".venv/")


def _make_targets() -> set[str]:
    text = (paths.ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.M))


def _mlsd_commands() -> dict[str, set[str]]:
    """Each `mlsd` subcommand, with the actions of those that have their own subcommands."""
    import argparse

    from mlsd import cli

    def choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    return {name: set(choices(p)) for name, p in choices(cli._parser()).items()}


def setup_page_problems(text: str) -> list[str]:
    """Commands and files the page tells a participant to use that the kit does not have."""
    targets, commands = _make_targets(), _mlsd_commands()
    problems = []
    for span in re.findall(r"`([^`\n]+)`", text):
        for command in re.split(r"&&|;", span):
            words = command.split()
            if len(words) >= 2 and words[0] == "make":
                for target in (w for w in words[1:] if "=" not in w):
                    if target not in targets:
                        problems.append(f"`{command.strip()}`: no make target {target!r}")
            if words and words[0] in ("mlsd", ".venv/bin/mlsd") and len(words) >= 2:
                sub = words[1]
                if sub not in commands:
                    problems.append(f"`{command.strip()}`: no mlsd subcommand {sub!r}")
                elif commands[sub] and (len(words) < 3 or words[2] not in commands[sub]):
                    problems.append(
                        f"`{command.strip()}`: mlsd {sub} needs one of {sorted(commands[sub])}"
                    )
            for word in words:
                looks_like_path = "/" in word or word.endswith((".yml", ".md", ".ipynb", ".toml"))
                if not looks_like_path or word.startswith(("-", "'", "(", *GENERATED)):
                    continue
                if not (paths.ROOT / word).exists():
                    problems.append(f"`{command.strip()}`: no file {word!r} in the kit")
    return problems


def test_setup_page_commands_exist():
    """Every make target, mlsd subcommand and kit file the participant page names exists."""
    assert setup_page_problems(SETUP.read_text()) == []


def test_setup_page_check_catches_what_does_not_exist():
    """An unknown make target, mlsd subcommand or file on the page is reported."""
    problems = setup_page_problems(
        "Run `make setup`, `make fly`, `mlsd doctor`, `mlsd teleport`, `mlsd data verify`,"
        " `mlsd data`, `conda env create -f environment.yml` and open `notebooks/nope.ipynb`;"
        " `runs/latest/` appears after a run."
    )
    assert problems == [
        "`make fly`: no make target 'fly'",
        "`mlsd teleport`: no mlsd subcommand 'teleport'",
        "`mlsd data`: mlsd data needs one of ['generate', 'verify']",
        "`notebooks/nope.ipynb`: no file 'notebooks/nope.ipynb' in the kit",
    ]


def test_setup_page_has_no_placeholder_address():
    """The participant page and the README invent no address: no URL, no example repository."""
    for doc in (SETUP, paths.ROOT / "README.md"):
        text = doc.read_text()
        assert "://" not in text, doc.name
        assert not re.search(r"example\.(com|org)|your-?(user|org)|<[a-z -]*url>", text, re.I)


def test_setup_page_covers_every_doctor_check():
    """The troubleshooting table has a row for each check `mlsd doctor` can fail."""
    from mlsd import doctor

    source = Path(doctor.__file__).read_text()
    names = set(re.findall(r'Check\(\s*f?"([^"{]+)', source))
    assert {"python", "jupyter kernel", "runs/ writable"} <= names
    table = SETUP.read_text().split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    first_cells = [row.split("|")[1] for row in table.splitlines() if row.startswith("| `FAIL")]
    for name in names:
        assert any(name.strip() in cell for cell in first_cells), name
    # Package checks are named after each requirement: one row covers a missing package.
    assert any("missing" in cell for cell in first_cells)


def test_setup_page_is_linked_from_the_plan_and_the_readme():
    """The session plan and the README's "before" row of the session map link the setup page."""
    assert "](setup.md" in (paths.CHAPTERS / "README.md").read_text()
    readme = (paths.ROOT / "README.md").read_text()
    before = next(line for line in readme.splitlines() if line.startswith("| before |"))
    assert "](chapters/setup.md" in before


def _anchors(doc: Path) -> set[str]:
    """GitHub's anchors for a Markdown file's headings (lower case, punctuation dropped)."""
    heads = re.findall(r"^#{1,6} (.+?)\s*$", doc.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}


@pytest.mark.parametrize("doc", DOCS, ids=[d.relative_to(paths.ROOT).as_posix() for d in DOCS])
def test_anchors_into_markdown_resolve(doc):
    """A link to `file.md#anchor` or `#anchor` names a heading that exists in that file."""
    bad = []
    for target in LINK.findall(doc.read_text()):
        if "#" not in target or re.match(r"^[a-z]+:", target):
            continue
        file, anchor = target.split("#", 1)
        path = doc if not file else doc.parent / file
        if path.suffix == ".md" and path.exists() and anchor not in _anchors(path):
            bad.append(target)
    assert not bad, bad


DOLLAR = re.compile(r"\$\s?-?\d")


@pytest.mark.parametrize("doc", DOCS, ids=[d.relative_to(paths.ROOT).as_posix() for d in DOCS])
def test_no_dollar_sign_before_a_digit(doc):
    """Money in the guides reads "USD 86.61": GitHub and JupyterLab typeset `$...$` as math."""
    hits = [m.group(0) for m in DOLLAR.finditer(doc.read_text())]
    assert not hits, hits
    assert DOLLAR.search("costs $5 a month") and not DOLLAR.search("USD 5 and $x$")
