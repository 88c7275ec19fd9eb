"""``mlsd guide-times``: the session guides' plans and run-time tables, written from sources.

Two tables in each chapter guide (``chapters/<chapter>.md``) are generated, never typed:

* the **two-hour plan**, between ``<!-- mlsd:plan start ... -->`` and ``<!-- mlsd:plan end -->``,
  from the section marks of the chapter's notebooks: the line right under each ``##`` heading
  is ``*Live: N min.*`` or ``*Self-study: N min.*``. Live sections are presented in order,
  with the session's fixed blocks (welcome and logistics, a discussion block per chapter, a
  break, open Q&A) and the live changes that the guide's *Change live* table schedules; the
  session must fit in :data:`SESSION_MIN` minutes. Self-study sections are listed as homework.
* the **run-time table**, between ``<!-- mlsd:run-times start ... -->`` and
  ``<!-- mlsd:run-times end -->``, from a run manifest (``runs/latest/manifest.json``), naming
  the commit and the date of that run. The start marker carries the numbers it was written
  from, so a test can tell a generated table from a hand-edited one.

Everything outside the markers is left as it is, and a guide is rewritten through a temporary
sibling renamed into place.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from mlsd import paths

#: The mark under each ``##`` heading of a lesson notebook.
MARK = re.compile(r"^\*(Live|Self-study): (\d+) min\.\*$")
HEADING = re.compile(r"^## (?!#)(.+?)\s*$")
NUMBERED = re.compile(r"^(\d+)\.\s")

#: The evening's fixed blocks, in minutes.
WELCOME_MIN = 10
BREAK_MIN = 10
QA_MIN = 10
DISCUSSION_MIN = 10  # per chapter guide
SESSION_MIN = 120
LONG_SESSION_MIN = 180

COMMAND = "mlsd guide-times"
PLAN_START = "<!-- mlsd:plan start"
PLAN_END = "<!-- mlsd:plan end -->"
TIMES_START = "<!-- mlsd:run-times start"
TIMES_END = "<!-- mlsd:run-times end -->"
BLOCK = {
    "plan": re.compile(r"<!-- mlsd:plan start\b.*?-->.*?<!-- mlsd:plan end -->", re.S),
    "run-times": re.compile(
        r"<!-- mlsd:run-times start\b.*?-->.*?<!-- mlsd:run-times end -->", re.S
    ),
}
DATA = re.compile(r"<!-- mlsd:run-times start\b(?:(?!-->).)*?data: (\{.*?\}) -->", re.S)


@dataclass(frozen=True)
class Session:
    """A meetup evening: its number and its chapter guides, in the order they are taught."""

    number: int
    chapters: tuple[str, ...]

    @property
    def run_command(self) -> str:
        """The command that runs this evening's notebooks, one at a time, for its run times."""
        return f"mlsd run {' '.join(c.split('-')[0] for c in self.chapters)} --jobs 1"


SESSIONS = (
    Session(1, ("ch01-overview", "ch02-ml-systems-design")),
    Session(2, ("ch03-data-engineering", "ch04-training-data")),
)


def _run_commands(sessions: tuple[Session, ...]) -> str:
    """Each session's run command for a message: "`mlsd run chNN chMM --jobs 1` for session N"."""
    return ", ".join(f"`{s.run_command}` for session {s.number}" for s in sessions)


@dataclass(frozen=True)
class Section:
    """One ``##`` section of a notebook: its heading, its mark and its text (for look-ups)."""

    notebook: Path
    heading: str
    kind: str | None  # "Live", "Self-study", or None when the mark is missing
    minutes: int | None
    text: str

    @property
    def number(self) -> int | None:
        m = NUMBERED.match(self.heading)
        return int(m.group(1)) if m else None


@dataclass(frozen=True)
class LiveChange:
    """A row of a guide's *Change live* table that the two-hour plan schedules."""

    notebook: Path
    change: str
    minutes: int
    section_ref: str


# ---------------------------------------------------------------- notebooks and their marks


def lesson_notebooks(chapter: str, notebooks_root: Path | None = None) -> list[Path]:
    """The notebooks of one chapter folder, in teaching order (by file name)."""
    root = notebooks_root or paths.NOTEBOOKS
    folder = root / chapter
    if not folder.is_dir():
        raise ValueError(f"chapter {chapter!r} has no notebook folder {folder}")
    return sorted(p for p in folder.glob("*.ipynb"))


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def notebook_title(notebook: Path) -> str:
    """The notebook's ``# Title`` up to its first colon ("Latency vs throughput")."""
    for cell in _cells(notebook):
        if cell["cell_type"] == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].split(":")[0].strip()
    return notebook.stem


#: Title words that say nothing about a notebook; the file's slug names it instead.
_FUNCTION_WORDS = {"a", "an", "the", "one", "how", "what", "why", "when", "who"}


def _slug_word(notebook: Path) -> str:
    """The first word of the file's slug: "02-batch-vs-stream-features" gives "batch"."""
    return re.sub(r"^\d+-", "", notebook.stem).split("-")[0]


def short_name(notebook: Path) -> str:
    """The word the guides use for a notebook: the first word of its title ("Churn", "A/B").

    A title that opens with a function word ("The same feature two ways") or a question ("Row
    or column?") is named by its file instead ("Batch", "Formats").
    """
    title = notebook_title(notebook)
    first = title.split()[0]
    if first.lower() in _FUNCTION_WORDS or "?" in title:
        return _slug_word(notebook).capitalize()
    return first


def _names(notebook: Path) -> set[str]:
    """Every name a guide may use for a notebook: its title's first word or its file's slug."""
    title_word = notebook_title(notebook).split()[0]
    return {
        _normalise(short_name(notebook)),
        _normalise(title_word),
        _normalise(_slug_word(notebook)),
    }


def notebook_named(name: str, notebooks: list[Path]) -> Path | None:
    """The notebook a guide calls ``name`` ("churn", "A/B"), or None."""
    return next((nb for nb in notebooks if _normalise(name) in _names(nb)), None)


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def sections(notebook: Path) -> list[Section]:
    """Every ``##`` section of a notebook, with its mark and the text of its cells."""
    found: list[dict] = []
    for cell in _cells(notebook):
        src = _source(cell)
        lines = src.splitlines()
        if cell["cell_type"] == "markdown":
            for i, line in enumerate(lines):
                m = HEADING.match(line)
                if not m:
                    continue
                rest = [x.strip() for x in lines[i + 1 :] if x.strip()]
                mark = MARK.match(rest[0]) if rest else None
                found.append(
                    {
                        "heading": m.group(1),
                        "kind": mark.group(1) if mark else None,
                        "minutes": int(mark.group(2)) if mark else None,
                        "text": [],
                    }
                )
        if found:
            found[-1]["text"].append(src)
    rel = _relative(notebook)
    return [
        Section(rel, s["heading"], s["kind"], s["minutes"], "\n".join(s["text"])) for s in found
    ]


def _relative(notebook: Path) -> Path:
    """``notebooks/<chapter>/<file>`` whether the notebook is the kit's or a drafting copy."""
    return Path("notebooks") / notebook.parent.name / notebook.name


def missing_marks(notebooks: list[Path]) -> list[str]:
    """One line per ``##`` section without a valid mark (empty when all are marked)."""
    return [
        f"{s.notebook.as_posix()}: '## {s.heading}'"
        for nb in notebooks
        for s in sections(nb)
        if s.kind is None
    ]


def find_section(all_sections: list[Section], ref: str) -> Section | None:
    """The section a guide names: by its number ("5. ...") or by its heading's first words."""
    ref = ref.strip()
    m = re.match(r"^(\d+)\b", ref)
    if m:
        return next((s for s in all_sections if s.number == int(m.group(1))), None)
    key = _normalise(ref)
    for s in all_sections:
        unnumbered = NUMBERED.sub("", s.heading)  # "3. The label..." is found as "The label"
        if _normalise(s.heading).startswith(key) or _normalise(unnumbered).startswith(key):
            return s
    return None


def parameter_names(notebook: Path) -> set[str]:
    """Names declared in the notebook's cell tagged ``parameters``."""
    for cell in _cells(notebook):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return set(re.findall(r"^(\w+)\s*:", _source(cell), re.M))
    return set()


# ---------------------------------------------------------------- the guide's live changes


def live_changes(guide_text: str, notebooks: list[Path]) -> list[LiveChange]:
    """Rows of the guide's *Change live* table whose "plan" cell says "N min at *section*"."""
    m = re.search(r"^### Change live\s*$(.*?)(?=^#{1,3} )", guide_text + "\n## ", re.S | re.M)
    if not m:
        return []
    rows = [r for r in m.group(1).splitlines() if r.startswith("|")]
    if len(rows) < 2:
        return []
    header = [c.strip().lower() for c in rows[0].strip("|").split("|")]
    if "plan" not in header:
        return []
    i_nb, i_change, i_plan = header.index("notebook"), header.index("change"), header.index("plan")
    out = []
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        plan = re.match(r"^(\d+) min at \*(.+?)\*$", cells[i_plan])
        if not cells[i_plan] or cells[i_plan] in ("-", "—"):
            continue
        if not plan:
            raise ValueError(
                f"Change live row {cells[i_change]!r}: plan cell {cells[i_plan]!r} is not "
                "'N min at *section heading*' (or empty)"
            )
        nb = notebook_named(cells[i_nb], notebooks)
        if nb is None:
            raise ValueError(
                f"Change live row {cells[i_change]!r}: notebook {cells[i_nb]!r} is not one of "
                f"{sorted(short_name(n) for n in notebooks)}"
            )
        names = re.findall(r"`(\w+)\s*=", cells[i_change])
        unknown = [n for n in names if n not in parameter_names(nb)]
        if not names or unknown:
            raise ValueError(
                f"Change live row {cells[i_change]!r}: {unknown or 'no `name = value`'} is not a "
                f"parameter of {nb.name} (it has {sorted(parameter_names(nb))})"
            )
        out.append(LiveChange(nb, cells[i_change], int(plan.group(1)), plan.group(2)))
    return out


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Row:
    start: int | None
    minutes: int
    block: str
    what: str


def _session_of(chapter: str) -> Session:
    for s in SESSIONS:
        if chapter in s.chapters:
            return s
    raise ValueError(f"chapter {chapter!r} is in no session; known: {SESSIONS}")


def _guide_path(chapter: str, chapters_root: Path | None = None) -> Path:
    return (chapters_root or paths.CHAPTERS) / f"{chapter}.md"


def _link(notebook: Path, notebooks_root: Path | None) -> str:
    """``[Churn](../notebooks/...)``; the title is read where the marks were read."""
    source = (notebooks_root or paths.NOTEBOOKS) / notebook.parent.name / notebook.name
    return f"[{short_name(source)}](../{notebook.as_posix()})"


def _guide_name(chapter: str) -> str:
    m = re.match(r"ch(\d+)", chapter)
    return f"Chapter {int(m.group(1))}" if m else chapter


def _rows_for(
    chapter: str, session: Session, notebooks_root: Path | None, chapters_root: Path | None
) -> tuple[list[Row], list[Section]]:
    """The plan's rows for one guide (start times relative to the guide) and its homework."""
    nbs = lesson_notebooks(chapter, notebooks_root)
    missing = missing_marks(nbs)
    if missing:
        more = f"; and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ValueError(
            f"{len(missing)} notebook sections have no '*Live: N min.*' or "
            "'*Self-study: N min.*' line under their heading: " + "; ".join(missing[:5]) + more
        )
    guide = _guide_path(chapter, chapters_root)
    changes = live_changes(guide.read_text(encoding="utf-8"), nbs)
    index = session.chapters.index(chapter)
    rows: list[Row] = []
    homework: list[Section] = []
    if index == 0:
        rows.append(
            Row(
                None,
                WELCOME_MIN,
                "welcome and logistics",
                "the evening's plan, Wi-Fi, who could not install (pair them: "
                "[setup page](setup.md#in-the-room-when-a-laptop-cannot-run-the-kit))",
            )
        )
    for nb in nbs:
        secs = sections(nb)
        for ch in changes:
            if ch.notebook != nb:
                continue
            target = find_section(secs, ch.section_ref)
            if target is None:
                raise ValueError(
                    f"Change live row {ch.change!r}: no section {ch.section_ref!r} in {nb.name}"
                )
            if target.kind != "Live":
                raise ValueError(
                    f"Change live row {ch.change!r} is planned at '{target.heading}' "
                    f"({nb.name}), which is marked {target.kind}: plan it at a Live section "
                    "or empty its plan cell"
                )
        for s in secs:
            if s.kind != "Live":
                homework.append(s)
                continue
            rows.append(
                Row(
                    None,
                    s.minutes or 0,
                    "live",
                    f"{_link(s.notebook, notebooks_root)}: *{s.heading}*",
                )
            )
            inside = [
                c for c in changes if c.notebook == nb and find_section(secs, c.section_ref) is s
            ]
            if sum(c.minutes for c in inside) > (s.minutes or 0):
                raise ValueError(
                    f"live changes at '{s.heading}' ({nb.name}) take "
                    f"{sum(c.minutes for c in inside)} min, more than the section's "
                    f"{s.minutes} min: raise its mark or move a change"
                )
            for c in inside:
                rows.append(
                    Row(
                        None,
                        c.minutes,
                        "live change (within the row above)",
                        f"{c.change}; then *Run All* ([Change live](#change-live))",
                    )
                )
    rows.append(
        Row(None, DISCUSSION_MIN, "discussion", "[Discussion questions](#discussion-questions)")
    )
    if index == 0 and len(session.chapters) > 1:
        rows.append(
            Row(None, BREAK_MIN, "break", "start *Run All* in the next chapter's notebooks")
        )
    if index == len(session.chapters) - 1:
        rows.append(Row(None, QA_MIN, "open Q&A", "anything from the evening or the book"))
    return rows, homework


def _counted(row: Row) -> bool:
    return not row.block.startswith("live change")


def session_plan(
    session: Session, notebooks_root: Path | None = None, chapters_root: Path | None = None
) -> dict[str, tuple[list[Row], list[Section]]]:
    """Every guide's rows with session-clock start times; refuses a session over its minutes."""
    plans = {}
    clock = 0
    for chapter in session.chapters:
        rows, homework = _rows_for(chapter, session, notebooks_root, chapters_root)
        timed = []
        for r in rows:
            if _counted(r):
                timed.append(Row(clock, r.minutes, r.block, r.what))
                clock += r.minutes
            else:
                timed.append(Row(None, r.minutes, r.block, r.what))
        plans[chapter] = (timed, homework)
    if clock > SESSION_MIN:
        detail = ", ".join(
            f"{ch}: {sum(r.minutes for r in rows if _counted(r))} min"
            for ch, (rows, _) in plans.items()
        )
        raise ValueError(
            f"session {session.number} plan takes {clock} min, more than {SESSION_MIN} ({detail}); "
            "mark fewer notebook sections Live or shorten them"
        )
    return plans


def session_total(plans: dict[str, tuple[list[Row], list[Section]]]) -> int:
    """Minutes of the whole evening (live changes are inside their sections' minutes)."""
    return sum(r.minutes for rows, _ in plans.values() for r in rows if _counted(r))


def _wrap(text: str) -> str:
    """A paragraph wrapped at 100 characters, as the guides' prose is."""
    return textwrap.fill(text, width=100, break_long_words=False, break_on_hyphens=False)


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def render_plan(
    chapter: str,
    notebooks_root: Path | None = None,
    chapters_root: Path | None = None,
    *,
    session: Session | None = None,
) -> str:
    """The plan block of one guide, markers included, exactly as ``mlsd guide-times`` writes it."""
    session = session or _session_of(chapter)
    plans = session_plan(session, notebooks_root, chapters_root)
    rows, homework = plans[chapter]
    total = session_total(plans)
    own = sum(r.minutes for r in rows if _counted(r))
    live = sum(r.minutes for r in rows if r.block == "live")
    others = [c for c in session.chapters if c != chapter]
    intro = (
        f"Session {session.number} is {total} minutes, at most {SESSION_MIN}: "
        + ", ".join(
            f"[{'this guide' if c == chapter else _guide_name(c)}]"
            f"({'' if c == chapter else c + '.md'}#agenda)"
            for c in session.chapters
        )
        + f". This guide's part: {own} minutes, {live} of them in the notebooks. "
        "Live changes have their own rows and are timed inside the section they re-run."
    )
    lines = [
        f"{PLAN_START}: written by `{COMMAND}` from the notebooks' *Live* / *Self-study* "
        "marks and the Change live table; edit those, not this table -->",
        _wrap(intro),
        "",
        "| start | min | block | what |",
        "|---|---|---|---|",
    ]
    for r in rows:
        start = _clock(r.start) if r.start is not None else ""
        minutes = str(r.minutes) if _counted(r) else f"({r.minutes})"
        lines.append(f"| {start} | {minutes} | {r.block} | {r.what} |")
    end = rows[-1].start + rows[-1].minutes if rows else 0
    if chapter != session.chapters[-1]:
        nxt = session.chapters[session.chapters.index(chapter) + 1]
        lines.append(f"| {_clock(end)} | | | continued in [{_guide_name(nxt)}]({nxt}.md#agenda) |")
    else:
        lines.append(f"| {_clock(end)} | | end | |")
    lines += ["", "**Self-study (homework)**, in the notebooks' order:", ""]
    if homework:
        lines += ["| notebook | section | min |", "|---|---|---|"]
        lines += [
            f"| {_link(s.notebook, notebooks_root)} | *{s.heading}* | {s.minutes} |"
            for s in homework
        ]
        lines += [
            "",
            f"Self-study in this chapter: {sum(s.minutes or 0 for s in homework)} minutes.",
        ]
    else:
        lines.append("none: every section is presented live.")
    spare = LONG_SESSION_MIN - total
    long = (
        f"A three-hour meeting ({LONG_SESSION_MIN} minutes) keeps this plan and has {spare} "
        "minutes more: take them from the self-study lists, exercises first."
    )
    if others:
        long += " Split them between the chapters of the evening."
    lines += ["", _wrap(long), PLAN_END]
    return "\n".join(lines)


# ---------------------------------------------------------------- run times


def room_minutes(duration_s: float) -> int:
    """Minutes to allow for *Run All* in the room: twice the measured time plus a kernel start."""
    return max(1, math.ceil((2 * duration_s + 15) / 60))


def times_data(
    manifest: dict, notebooks: list[Path], manifest_name: str, command: str = "make run"
) -> dict:
    """The numbers a run-time table is written from, checked against what the guide needs.

    ``command`` is what the error message for a notebook missing from the manifest suggests
    (the session's :attr:`Session.run_command`).
    """
    by_path = {n["path"]: n for n in manifest.get("notebooks", [])}
    durations = {}
    for nb in notebooks:
        key = nb.as_posix()
        entry = by_path.get(key)
        if entry is None:
            raise ValueError(
                f"the manifest {manifest_name} has no entry for {key}; run it first, e.g. "
                f"`{command}`"
            )
        if entry.get("status") != "ok" or entry.get("duration_s") is None:
            raise ValueError(f"{key} did not finish in {manifest_name}: {entry.get('status')}")
        if entry.get("overrides"):
            raise ValueError(
                f"{key} ran with changed parameters {entry['overrides']} in {manifest_name}; "
                "run times for the guide come from a run with the default parameters"
            )
        durations[key] = round(float(entry["duration_s"]), 1)
    git = manifest.get("git") or {}
    return {
        "manifest": manifest_name,
        "commit": git.get("commit") or "unknown",
        "dirty": bool(git.get("dirty")),
        "finished_utc": manifest.get("finished_utc") or manifest.get("started_utc"),
        "jobs": manifest.get("jobs"),
        "python": manifest.get("python"),
        "cpu_count": manifest.get("cpu_count"),
        "durations_s": durations,
    }


def render_times(data: dict) -> str:
    """The run-time block of one guide, markers included, from :func:`times_data`'s numbers."""
    payload = json.dumps(data, sort_keys=True)
    if "--" in payload:
        raise ValueError("a run-time table's data may not contain '--' (it sits in a comment)")
    commit = data["commit"][:7]
    tree = " with uncommitted changes" if data["dirty"] else ""
    when = str(data["finished_utc"]).replace("T", " ")[:16] + " UTC"
    jobs = data["jobs"]
    how = "one notebook at a time" if jobs == 1 else f"{jobs} notebooks at a time"
    lines = [
        f"{TIMES_START}: written by `{COMMAND}` from {data['manifest']}; data: {payload} -->",
        _wrap(
            f"From the run manifest `{data['manifest']}`: kit commit `{commit}`{tree}, run "
            f"finished {when}, {how} (`--jobs {jobs}`), Python {data['python']} on "
            f"{data['cpu_count']} CPUs, default parameters, every notebook `ok`."
        ),
        "",
        "| notebook | measured run time | allow for *Run All* in the room |",
        "|---|---|---|",
    ]
    for key, seconds in data["durations_s"].items():
        path = paths.ROOT / key
        title = notebook_title(path) if path.exists() else Path(key).stem
        minutes = room_minutes(seconds)
        lines.append(
            f"| [{title}](../{key}) | {seconds:.1f} s | {minutes} minute{'s' * (minutes > 1)} |"
        )
    lines += [
        "",
        _wrap(
            "The last column allows twice the measured time plus 15 seconds for a kernel "
            "start, rounded up to a minute."
        ),
        TIMES_END,
    ]
    return "\n".join(lines)


def embedded_times_data(guide_text: str) -> dict | None:
    """The numbers a committed run-time table says it was written from (None if absent)."""
    m = DATA.search(guide_text)
    return json.loads(m.group(1)) if m else None


def committed_block(guide_text: str, name: str) -> str | None:
    """The text of a generated block in a guide, markers included (None if absent)."""
    m = BLOCK[name].search(guide_text)
    return m.group(0) if m else None


# ---------------------------------------------------------------- writing the guides


def _replace(text: str, name: str, block: str, guide: Path) -> str:
    if not BLOCK[name].search(text):
        start = PLAN_START if name == "plan" else TIMES_START
        end = PLAN_END if name == "plan" else TIMES_END
        raise ValueError(
            f"{guide} has no {name} markers: put a line `{start} -->` and a line `{end}` "
            "where the table should go"
        )
    return BLOCK[name].sub(lambda _: block, text, count=1)


def sessions_in_manifest(
    manifest: dict,
    sessions: tuple[Session, ...] = SESSIONS,
    notebooks_root: Path | None = None,
) -> tuple[list[Session], list[Session]]:
    """(sessions with at least one notebook in ``manifest``, sessions with none of theirs).

    A run of one evening's notebooks (``mlsd run ch03 ch04 --jobs 1``) rewrites that evening's
    run-time tables and leaves the other evenings' tables as they were.
    """
    ran = {n.get("path") for n in manifest.get("notebooks", [])}
    covered, absent = [], []
    for session in sessions:
        keys = {
            _relative(nb).as_posix()
            for chapter in session.chapters
            for nb in lesson_notebooks(chapter, notebooks_root)
        }
        (covered if keys & ran else absent).append(session)
    return covered, absent


def update_guides(
    manifest_path: Path | None,
    *,
    notebooks_root: Path | None = None,
    chapters_root: Path | None = None,
    write: bool = True,
    sessions: tuple[Session, ...] = SESSIONS,
) -> list[Path]:
    """Rewrite every session guide's generated blocks; return the guides whose text changed.

    With ``manifest_path`` None only the plans are rewritten. Otherwise the run-time tables of
    each session the manifest ran are rewritten (all of that session's notebooks must be in
    it); a session none of whose notebooks ran keeps its tables. With ``write`` False nothing
    is written (the return value says what would change). Every guide is computed before any
    is written, so a bad input leaves all of them as they were.
    """
    manifest = None
    name = ""
    if manifest_path is not None:
        if not manifest_path.is_file():
            from mlsd.outputs import UsageError  # a usage error: exit 2, as for bad input

            raise UsageError(
                f"no run manifest at {manifest_path}: run `make run` (or one evening's notebooks: "
                f"{_run_commands(sessions)}) first, or pass --manifest PATH"
            )
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{manifest_path} is not a run manifest (JSON): {exc}") from None
        try:
            name = manifest_path.resolve().relative_to(paths.ROOT.resolve()).as_posix()
        except ValueError:
            name = manifest_path.name
        if name.startswith("runs/latest/"):
            name = f"runs/{manifest_path.resolve().parent.name}/manifest.json"
    for session in sessions:
        for chapter in session.chapters:
            guide = _guide_path(chapter, chapters_root)
            if not guide.is_file():
                raise ValueError(
                    f"session {session.number}'s guide {guide} does not exist: write it (with the "
                    f"plan and run-time markers) or take {chapter!r} out of mlsd.guides.SESSIONS"
                )
    timed: list[Session] = list(sessions)
    if manifest is not None:
        timed, _ = sessions_in_manifest(manifest, sessions, notebooks_root)
        if not timed:
            raise ValueError(
                f"the manifest {name} ran none of the sessions' notebooks: run `make run` or "
                f"{_run_commands(sessions)}"
            )
    new_texts: dict[Path, str] = {}
    for session in sessions:
        for chapter in session.chapters:
            guide = _guide_path(chapter, chapters_root)
            text = guide.read_text(encoding="utf-8")
            block = render_plan(chapter, notebooks_root, chapters_root, session=session)
            new = _replace(text, "plan", block, guide)
            if manifest is not None and session in timed:
                nbs = [_relative(p) for p in lesson_notebooks(chapter, notebooks_root)]
                data = times_data(manifest, nbs, name, session.run_command)
                new = _replace(new, "run-times", render_times(data), guide)
            if new != text:
                new_texts[guide] = new
    if write:
        for guide, new in new_texts.items():
            tmp = guide.with_name(f".{guide.name}.tmp-{os.getpid()}")
            tmp.write_text(new, encoding="utf-8")
            os.replace(tmp, guide)
    return list(new_texts)


# ---------------------------------------------------------------- command line


def add_parser(sub) -> None:
    """Register ``mlsd guide-times`` on the ``mlsd`` command's subparsers."""
    p = sub.add_parser(
        "guide-times",
        help="rewrite the guides' two-hour plans and run-time tables",
        description="Rewrite, between their marker comments, each session guide's two-hour plan "
        "(from the notebooks' *Live* / *Self-study* section marks) and its run-time table "
        "(from a run manifest, naming its commit and date).",
    )
    p.add_argument(
        "--manifest",
        default=str(paths.RUNS / "latest" / "manifest.json"),
        help="run manifest for the run-time tables (default: runs/latest/manifest.json)",
    )
    p.add_argument(
        "--plan-only", action="store_true", help="rewrite the plans, keep the run-time tables"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a guide's generated tables are out of date",
    )
    p.add_argument(
        "--notebooks",
        default=None,
        help="read section marks from this copy of notebooks/ (for drafting marks)",
    )


def main(args: argparse.Namespace) -> int:
    """Run ``mlsd guide-times``: 0 when done (or up to date with --check), 1 when out of date."""
    manifest = None if args.plan_only else Path(args.manifest).expanduser()
    root = Path(args.notebooks).expanduser() if args.notebooks else None
    changed = update_guides(manifest, notebooks_root=root, write=not args.check)
    for guide in changed:
        verb = "out of date" if args.check else "rewritten"
        shown = guide.relative_to(paths.ROOT) if guide.is_relative_to(paths.ROOT) else guide
        print(f"{verb}: {shown}")
    if not changed:
        print("guides up to date")
    if manifest is not None:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        for session in sessions_in_manifest(data, SESSIONS, root)[1]:
            print(
                f"kept: session {session.number}'s run times (none of its notebooks ran in this "
                f"manifest; `{session.run_command}` then `{COMMAND}` updates them)"
            )
    return 1 if (args.check and changed) else 0
