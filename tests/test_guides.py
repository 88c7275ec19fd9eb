"""The guides' generated tables: two-hour plans from the notebooks' marks, run times from a run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlsd import cli, guides, paths

SESSION_1, SESSION_2 = guides.SESSIONS[:2]
#: Every lesson notebook (the set-up check of ch00 is not a lesson and has no plan).
LESSON_NOTEBOOKS = sorted(
    nb for nb in paths.NOTEBOOKS.glob("ch*/*.ipynb") if not nb.parent.name.startswith("ch00")
)
#: The lesson notebooks each evening's guides plan, typed here, not read from mlsd.guides.
EXPECTED_NOTEBOOKS = {
    1: [
        "ch01-overview/01-churn-in-dollars",
        "ch01-overview/02-latency-vs-throughput",
        "ch02-ml-systems-design/01-framing-ml-problems",
        "ch02-ml-systems-design/02-ab-test-analysis",
    ],
    2: [
        "ch03-data-engineering/01-formats-and-engines",
        "ch03-data-engineering/02-batch-vs-stream-features",
        "ch04-training-data/01-sampling-and-imbalance",
        "ch04-training-data/02-labels",
    ],
}
ALL_CHAPTERS = [c for s in guides.SESSIONS for c in s.chapters]


def _session_notebooks(session: guides.Session) -> list[Path]:
    """The lesson notebooks of a session's chapters, in teaching order."""
    return [nb for c in session.chapters for nb in LESSON_NOTEBOOKS if nb.parent.name == c]


def _live_minutes_by_regex(notebook: Path) -> int:
    """Sum of the Live marks, read straight from the JSON (independent of mlsd.guides)."""
    total = 0
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        total += sum(int(n) for n in re.findall(r"^\*Live: (\d+) min\.\*$", src, re.M))
    return total


# ---------------------------------------------------------------- the real notebooks and guides


@pytest.mark.parametrize("session", guides.SESSIONS, ids=lambda s: f"session-{s.number}")
def test_each_session_has_the_lesson_notebooks_its_guides_plan(session):
    """Each evening's chapters hold exactly the four lesson notebooks its guides plan, in order."""
    found = [f"{nb.parent.name}/{nb.stem}" for nb in _session_notebooks(session)]
    assert found == EXPECTED_NOTEBOOKS[session.number]


def test_every_lesson_notebook_belongs_to_a_planned_session():
    """A lesson notebook in a chapter no session plans would be missing from every agenda."""
    unplanned = [nb for nb in LESSON_NOTEBOOKS if nb.parent.name not in ALL_CHAPTERS]
    assert unplanned == []
    assert [s.number for s in guides.SESSIONS] == list(range(1, len(guides.SESSIONS) + 1))


def test_each_session_names_the_command_that_runs_its_notebooks():
    """The run command of an evening names its two chapters; messages quote it, not session 1's."""
    assert SESSION_1.run_command == "mlsd run ch01 ch02 --jobs 1"
    assert SESSION_2.run_command == "mlsd run ch03 ch04 --jobs 1"
    assert "ch01 ch02" not in Path(guides.__file__).read_text()


@pytest.mark.parametrize("notebook", LESSON_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_section_of_a_lesson_notebook_is_marked(notebook):
    """Each `##` section has `*Live: N min.*` or `*Self-study: N min.*` right under its heading."""
    assert guides.missing_marks([notebook]) == []


@pytest.mark.parametrize("session", guides.SESSIONS, ids=lambda s: f"session-{s.number}")
def test_each_session_fits_in_two_hours_with_its_fixed_blocks(session):
    """Live sections plus welcome, break, open Q&A and a discussion block per chapter <= 120."""
    live = sum(_live_minutes_by_regex(nb) for nb in _session_notebooks(session))
    fixed = guides.WELCOME_MIN + guides.BREAK_MIN + guides.QA_MIN
    fixed += guides.DISCUSSION_MIN * len(session.chapters)
    assert guides.DISCUSSION_MIN >= 10
    assert live + fixed <= guides.SESSION_MIN, f"{live} live + {fixed} fixed minutes"
    plans = guides.session_plan(session)
    assert guides.session_total(plans) == live + fixed


@pytest.mark.parametrize("chapter", ALL_CHAPTERS)
def test_committed_plan_is_what_the_command_writes(chapter):
    """The guide's plan block is exactly `mlsd guide-times`'s output for the current notebooks."""
    text = (paths.CHAPTERS / f"{chapter}.md").read_text()
    committed = guides.committed_block(text, "plan")
    assert committed is not None, "no <!-- mlsd:plan start --> ... end --> block"
    assert "written by `mlsd guide-times`" in committed.splitlines()[0]
    assert committed == guides.render_plan(chapter), (
        "out of date: run `mlsd guide-times --plan-only`"
    )


@pytest.mark.parametrize("chapter", ALL_CHAPTERS)
def test_committed_run_times_come_from_a_manifest(chapter):
    """The run-time table names its manifest and commit, lists the guide's notebooks, unedited."""
    text = (paths.CHAPTERS / f"{chapter}.md").read_text()
    committed = guides.committed_block(text, "run-times")
    assert committed is not None, "no <!-- mlsd:run-times start --> ... end --> block"
    assert "written by `mlsd guide-times`" in committed.splitlines()[0]
    data = guides.embedded_times_data(text)
    assert re.fullmatch(r"[0-9a-f]{40}", data["commit"]), data["commit"]
    assert re.fullmatch(r"runs/[^/]+/manifest\.json", data["manifest"]), data["manifest"]
    for key in data["durations_s"]:
        assert (paths.ROOT / key).is_file(), key
    expected = {
        f"notebooks/{chapter}/{nb.name}" for nb in (paths.NOTEBOOKS / chapter).glob("*.ipynb")
    }
    assert set(data["durations_s"]) == expected
    assert committed == guides.render_times(data), "hand-edited: run `mlsd guide-times`"
    linked = set(re.findall(r"\]\(\.\./(notebooks/[^)]+\.ipynb)\)", committed))
    assert linked == expected


# ---------------------------------------------------------------- the command on a drafting copy


def _notebook(path: Path, title: str, sections: list[tuple[str, str | None]], params=("seed",)):
    """Write a small notebook: a title cell, a parameters cell, then (heading, mark) sections."""
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": f"# {title}: a subtitle"},
        {
            "cell_type": "code",
            "metadata": {"tags": ["parameters"]},
            "source": "\n".join(f"{p}: int = 1  # help" for p in params),
            "outputs": [],
            "execution_count": None,
        },
    ]
    for heading, mark in sections:
        body = f"## {heading}\n" + (f"{mark}\n" if mark else "") + "\nText about offers."
        cells.append({"cell_type": "markdown", "metadata": {}, "source": body})
        cells.append(
            {
                "cell_type": "code",
                "metadata": {},
                "source": "x = 1",
                "outputs": [],
                "execution_count": None,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )


GUIDE = """# Guide

## Agenda

<!-- mlsd:plan start -->
<!-- mlsd:plan end -->

### Run times

<!-- mlsd:run-times start -->
<!-- mlsd:run-times end -->

## Facilitator notes

### Change live

| notebook | change | plan | what it shows |
|---|---|---|---|
| churn | `offer_cost_usd = 20` (default 10) | {plan} | fewer contacts |
| churn | `seed = 7` | | other numbers |

### Where participants get stuck
"""


@pytest.fixture
def draft(tmp_path):
    """A drafting copy: two sessions of two chapters, one notebook and one guide per chapter."""
    nbs, chapters = tmp_path / "notebooks", tmp_path / "chapters"
    _notebook(
        nbs / "ch01-overview" / "01-churn-in-dollars.ipynb",
        "Churn prediction in dollars",
        [
            ("1. The business", "*Live: 20 min.*"),
            ("2. Theory", "*Self-study: 15 min.*"),
            ("Exercises", "*Self-study: 25 min.*"),
        ],
        params=("seed", "offer_cost_usd"),
    )
    _notebook(
        nbs / "ch02-ml-systems-design" / "01-framing-ml-problems.ipynb",
        "Framing ML problems",
        [("A goal is not an objective", "*Live: 30 min.*")],
    )
    _notebook(
        nbs / "ch03-data-engineering" / "01-formats-and-engines.ipynb",
        "Row or column? Formats and engines",
        [("1. Rows and columns", "*Live: 25 min.*"), ("2. Engines", "*Self-study: 10 min.*")],
    )
    _notebook(
        nbs / "ch04-training-data" / "01-sampling-and-imbalance.ipynb",
        "Sampling and class imbalance",
        [("1. Who answers a survey", "*Live: 35 min.*")],
    )
    chapters.mkdir()
    for chapter in ALL_CHAPTERS[:4]:
        plan = "2 min at *1. The business*" if chapter == "ch01-overview" else ""
        guide = GUIDE.format(plan=plan)
        if chapter != "ch01-overview":
            guide = guide.split("### Change live")[0]
        (chapters / f"{chapter}.md").write_text(guide)
    return nbs, chapters


def test_plan_rows_and_clock_on_a_drafting_copy(draft):
    """The plan lists fixed blocks and live sections on one clock; self-study is homework."""
    nbs, chapters = draft
    changed = guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters)
    assert len(changed) == 4
    ch1 = (chapters / "ch01-overview.md").read_text()
    ch2 = (chapters / "ch02-ml-systems-design.md").read_text()
    assert "| 0:00 | 10 | welcome and logistics |" in ch1
    assert (
        "| 0:10 | 20 | live | [Churn](../notebooks/ch01-overview/01-churn-in-dollars.ipynb)" in ch1
    )
    assert "| | (2) | live change (within the row above) | `offer_cost_usd = 20`" in ch1.replace(
        "|  |", "| |"
    )
    assert "| 0:30 | 10 | discussion |" in ch1
    assert "| 0:40 | 10 | break |" in ch1
    assert "| 0:50 | 30 | live |" in ch2
    assert "| 1:20 | 10 | discussion |" in ch2
    assert "| 1:30 | 10 | open Q&A |" in ch2
    assert "| 1:40 | | end | |" in ch2
    assert "Session 1 is 100 minutes, at most 120" in ch1
    assert "*2. Theory* | 15 |" in ch1 and "*Exercises* | 25 |" in ch1
    assert "Self-study in this chapter: 40 minutes." in ch1
    # Session 2 is an evening of its own: its own clock, welcome, break and open Q&A.
    ch3 = (chapters / "ch03-data-engineering.md").read_text()
    ch4 = (chapters / "ch04-training-data.md").read_text()
    assert "Session 2 is 110 minutes, at most 120: [this guide](#agenda), [Chapter" in ch3
    assert "| 0:00 | 10 | welcome and logistics |" in ch3
    assert "| 0:10 | 25 | live | [Formats](../notebooks/ch03-data-engineering/" in ch3
    assert "| 0:45 | 10 | break |" in ch3 and "continued in [Chapter 4](ch04" in ch3
    assert "| 0:55 | 35 | live | [Sampling](../notebooks/ch04-training-data/" in ch4
    assert "| 1:40 | 10 | open Q&A |" in ch4 and "| 1:50 | | end | |" in ch4
    assert "welcome" not in ch4 and "Session 1" not in ch3 + ch4
    # A second run, and a dry run, find nothing to change.
    assert guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters) == []
    assert guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters, write=False) == []


def test_dry_run_reports_and_writes_nothing(draft):
    """With write=False (`--check`) the out-of-date guides are named and left as they were."""
    nbs, chapters = draft
    before = {p: p.read_text() for p in chapters.glob("*.md")}
    changed = guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters, write=False)
    assert sorted(p.name for p in changed) == [
        "ch01-overview.md",
        "ch02-ml-systems-design.md",
        "ch03-data-engineering.md",
        "ch04-training-data.md",
    ]
    assert {p: p.read_text() for p in chapters.glob("*.md")} == before


def test_over_two_hours_is_refused_and_nothing_written(draft):
    """A session whose live marks push it past 120 minutes is refused; no guide changes."""
    nbs, chapters = draft
    _notebook(
        nbs / "ch02-ml-systems-design" / "01-framing-ml-problems.ipynb",
        "Framing ML problems",
        [("A goal is not an objective", "*Live: 51 min.*")],
    )
    before = {p: p.read_text() for p in chapters.glob("*.md")}
    with pytest.raises(ValueError, match=r"takes 121 min, more than 120"):
        guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters)
    assert {p: p.read_text() for p in chapters.glob("*.md")} == before


@pytest.mark.parametrize(
    ("mark", "ok"),
    [
        ("*Live: 5 min.*", True),
        ("*Self-study: 12 min.*", True),
        ("*Live: 5 minutes*", False),
        ("Live: 5 min.", False),
        ("*live: 5 min.*", False),
        (None, False),
    ],
)
def test_mark_format(tmp_path, mark, ok):
    """Only the exact `*Live: N min.*` / `*Self-study: N min.*` line counts as a mark."""
    nb = tmp_path / "ch01-overview" / "01-x.ipynb"
    _notebook(nb, "X", [("1. A section", mark)])
    missing = guides.missing_marks([nb])
    assert (missing == []) is ok, missing
    if not ok:
        assert missing == ["notebooks/ch01-overview/01-x.ipynb: '## 1. A section'"]


def test_missing_mark_is_named_before_anything_is_written(draft):
    """A section without a mark stops the command with its notebook and heading."""
    nbs, chapters = draft
    _notebook(
        nbs / "ch02-ml-systems-design" / "01-framing-ml-problems.ipynb",
        "Framing ML problems",
        [("A goal is not an objective", None)],
    )
    with pytest.raises(ValueError, match=r"01-framing-ml-problems.ipynb: '## A goal"):
        guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters)


def test_live_change_longer_than_its_section_is_refused(draft):
    """A live change that needs more minutes than its section has is refused."""
    nbs, chapters = draft
    guide = chapters / "ch01-overview.md"
    guide.write_text(guide.read_text().replace("2 min at", "21 min at"))
    with pytest.raises(ValueError, match=r"take 21 min, more than the section's 20"):
        guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters)


def test_live_change_on_an_unknown_parameter_is_refused(draft):
    """A planned live change must set a parameter the notebook declares."""
    nbs, chapters = draft
    guide = chapters / "ch01-overview.md"
    guide.write_text(guide.read_text().replace("`offer_cost_usd = 20`", "`offer_cost = 20`"))
    with pytest.raises(ValueError, match=r"'offer_cost'.* is not a parameter"):
        guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters)


def test_missing_markers_are_named(draft):
    """A guide without the marker comments is named, with the lines to add."""
    nbs, chapters = draft
    guide = chapters / "ch02-ml-systems-design.md"
    guide.write_text("# Guide without markers\n")
    with pytest.raises(ValueError, match=r"ch02-ml-systems-design.md has no plan markers"):
        guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters)


def _manifest(tmp_path, nbs, chapters=None, **entry) -> Path:
    """A run manifest with every drafting notebook (or those of ``chapters``) at 12.34 s."""
    notebooks = [
        {
            "path": f"notebooks/{p.parent.name}/{p.name}",
            "status": "ok",
            "duration_s": 12.34,
            "overrides": {},
            **entry,
        }
        for p in sorted(nbs.rglob("*.ipynb"))
        if chapters is None or p.parent.name in chapters
    ]
    manifest = {
        "git": {"commit": "a" * 40, "dirty": False},
        "python": "3.11.7",
        "cpu_count": 2,
        "jobs": 1,
        "started_utc": "2026-12-01T10:00:00+00:00",
        "finished_utc": "2026-12-01T10:01:00+00:00",
        "notebooks": notebooks,
    }
    path = tmp_path / "runs" / "20261201T100000Z" / "manifest.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(manifest))
    return path


def test_run_times_from_a_manifest(draft, tmp_path):
    """The run-time table states the manifest's commit, date and each notebook's seconds."""
    nbs, chapters = draft
    manifest = _manifest(tmp_path, nbs)
    guides.update_guides(manifest, notebooks_root=nbs, chapters_root=chapters)
    text = (chapters / "ch01-overview.md").read_text()
    block = guides.committed_block(text, "run-times")
    assert "kit commit `aaaaaaa`" in block
    assert "2026-12-01 10:01 UTC" in block
    # 12.34 s rounds to 12.3 s; twice that plus 15 s is under a minute.
    assert "| 12.3 s | 1 minute |" in block
    assert guides.render_times(guides.embedded_times_data(text)) == block


def test_a_run_of_one_evening_rewrites_that_evenings_run_times_only(draft, tmp_path):
    """`mlsd run ch03 ch04` then guide-times: session 2's tables change, session 1's are kept."""
    nbs, chapters = draft
    guides.update_guides(
        _manifest(tmp_path / "all", nbs), notebooks_root=nbs, chapters_root=chapters
    )
    before = {p.name: p.read_text() for p in chapters.glob("*.md")}
    manifest = _manifest(tmp_path, nbs, chapters=SESSION_2.chapters, duration_s=40.0)
    changed = guides.update_guides(manifest, notebooks_root=nbs, chapters_root=chapters)
    assert sorted(p.name for p in changed) == ["ch03-data-engineering.md", "ch04-training-data.md"]
    for name in ("ch01-overview.md", "ch02-ml-systems-design.md"):
        assert (chapters / name).read_text() == before[name]
    block = guides.committed_block((chapters / "ch04-training-data.md").read_text(), "run-times")
    assert "| 40.0 s | 2 minutes |" in block and "12.3 s" not in block
    covered, absent = guides.sessions_in_manifest(
        json.loads(manifest.read_text()), guides.SESSIONS[:2], nbs
    )
    assert [s.number for s in covered] == [2] and [s.number for s in absent] == [1]


def test_the_command_says_which_evenings_tables_it_kept(draft, tmp_path, monkeypatch, capsys):
    """`mlsd guide-times` after a run of session 2 names the guides it rewrote and what it kept."""
    nbs, chapters = draft
    monkeypatch.setattr(paths, "CHAPTERS", chapters)
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    manifest = _manifest(tmp_path, nbs, chapters=SESSION_2.chapters)
    args = ["guide-times", "--manifest", str(manifest), "--notebooks", str(nbs)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "rewritten: chapters/ch03-data-engineering.md" in out
    assert "kept: session 1's run times" in out and "`mlsd run ch01 ch02 --jobs 1`" in out
    assert "kept: session 2" not in out


def test_an_evening_run_in_part_is_refused_with_that_evenings_command(draft, tmp_path):
    """A manifest with one of session 2's notebooks but not the other names the command to run."""
    nbs, chapters = draft
    manifest = _manifest(tmp_path, nbs, chapters=("ch03-data-engineering",))
    before = {p: p.read_text() for p in chapters.glob("*.md")}
    with pytest.raises(
        ValueError,
        match=r"no entry for notebooks/ch04-training-data/.*"
        r"`mlsd run ch03 ch04 --jobs 1`",
    ):
        guides.update_guides(manifest, notebooks_root=nbs, chapters_root=chapters)
    assert {p: p.read_text() for p in chapters.glob("*.md")} == before


def test_a_manifest_of_no_session_is_refused(draft, tmp_path):
    """A manifest that ran none of the planned notebooks (say, only the set-up check) is named."""
    nbs, chapters = draft
    manifest = _manifest(tmp_path, nbs, chapters=())
    with pytest.raises(ValueError, match=r"ran none of the sessions' notebooks"):
        guides.update_guides(manifest, notebooks_root=nbs, chapters_root=chapters)


def test_a_planned_chapter_without_its_guide_is_named(draft):
    """A session whose guide file is missing stops the command with the file and the session."""
    nbs, chapters = draft
    (chapters / "ch04-training-data.md").unlink()
    with pytest.raises(ValueError, match=r"session 2's guide .*ch04-training-data.md does not"):
        guides.update_guides(None, notebooks_root=nbs, chapters_root=chapters)


def test_manifest_with_changed_parameters_is_refused(draft, tmp_path):
    """Run times come from a default-parameter run; a run with overrides is refused."""
    nbs, chapters = draft
    manifest = _manifest(tmp_path, nbs, overrides={"seed": 7})
    with pytest.raises(ValueError, match=r"changed parameters \{'seed': 7\}"):
        guides.update_guides(manifest, notebooks_root=nbs, chapters_root=chapters)


def test_room_minutes():
    """Allowance for Run All: twice the measured time plus 15 s, rounded up to whole minutes."""
    assert [guides.room_minutes(s) for s in (1.0, 22.5, 22.6, 60.0)] == [1, 1, 2, 3]


def test_cli_names_a_missing_manifest(tmp_path, capsys):
    """`mlsd guide-times --manifest` with no such file exits 2 and names the path."""
    missing = tmp_path / "nope" / "manifest.json"
    assert cli.main(["guide-times", "--manifest", str(missing)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert str(missing) in err
    for session in guides.SESSIONS:
        assert f"`{session.run_command}` for session {session.number}" in err


@pytest.mark.parametrize(
    ("stem", "title", "name"),
    [
        ("01-churn-in-dollars", "Churn prediction in dollars: a subtitle", "Churn"),
        ("02-ab-test-analysis", "A/B test analysis", "A/B"),
        ("02-batch-vs-stream-features", "The same feature two ways: batch and stream", "Batch"),
        ("01-formats-and-engines", "Row or column? Formats and engines", "Formats"),
        ("02-labels", "Labels: natural, hand and weak", "Labels"),
    ],
)
def test_short_name_is_a_word_that_names_the_notebook(tmp_path, stem, title, name):
    """The plan's link text is the title's first word, or the file's when that word says nothing."""
    nb = tmp_path / "ch03-data-engineering" / f"{stem}.ipynb"
    _notebook(nb, title.split(":")[0], [("1. A section", "*Live: 5 min.*")])
    assert guides.short_name(nb) == name
    assert guides.notebook_named(name.lower(), [nb]) == nb
    assert guides.notebook_named(title.split()[0], [nb]) == nb


def test_find_section_by_number_or_by_heading(tmp_path):
    """A guide names a section by its number, or by its heading's first words (numbered or not)."""
    nb = tmp_path / "ch01-overview" / "01-x.ipynb"
    _notebook(
        nb,
        "X",
        [("1. The business", "*Live: 5 min.*"), ("2. The label is a decision", "*Live: 5 min.*")],
    )
    secs = guides.sections(nb)
    assert guides.find_section(secs, "2. Anything").heading == "2. The label is a decision"
    assert guides.find_section(secs, "The label is").heading == "2. The label is a decision"
    assert guides.find_section(secs, '"The business"').heading == "1. The business"
    assert guides.find_section(secs, "3. Missing") is None
    assert guides.find_section(secs, "Nothing like it") is None
