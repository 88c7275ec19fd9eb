"""``make handout``: one printable page or two per meetup session, generated so it cannot drift.

Everything on it is read from the kit at build time:

- **key ideas**: the bold lead of each idea in the guide's ``## Key ideas`` section, with the
  first sentence that quotes the book's numbers (naming "chapter", "book" or "cites" and a
  figure), or else the idea's first sentence;
- **formulas**: the display formulas (``$$ ... $$``) of the session's notebooks, with the
  section each belongs to;
- **exercises**: the prompt of every exercise the notebooks load with
  ``mlsd.exercises.get("...")``, in notebook order;
- **discussion questions**: the question sentence of each item of the guide's
  ``## Discussion questions`` list.

The page is HTML with a print stylesheet (A4, two columns); formulas are typeset by the
MathJax copy that travels with it (``_static/mathjax``), so it prints with no network.

Usage: ``python -m mlsd.handout [--out runs/handout]``.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mlsd import offline_html, paths

_CHAPTER = re.compile(r"^ch(\d+)")
_EXERCISE = re.compile(r"""mlsd\.exercises\.get\(\s*["']([^"']+)["']\s*\)""")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_BOLD_LEAD = re.compile(r"^\*\*(?P<lead>.+?)\*\*\s*(?P<rest>.*)$", re.DOTALL)
_ITEM = re.compile(r"^(\d+)\.\s+", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z(\"'*])")
_BOOK_NUMBER = re.compile(r"\b(chapter|book|cites)\b", re.IGNORECASE)


@dataclass
class Formula:
    notebook: str
    section: str
    tex: str


@dataclass
class Session:
    number: int
    chapters: list[int]
    title: str
    key_ideas: list[tuple[str, str]] = field(default_factory=list)
    formulas: list[Formula] = field(default_factory=list)
    exercises: list[tuple[str, str]] = field(default_factory=list)
    discussion: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def chapter_number(name: str) -> int | None:
    match = _CHAPTER.match(name)
    return int(match.group(1)) if match else None


def session_of(chapter: int) -> int:
    """The meetup session that reads book chapter ``chapter`` (two chapters per session)."""
    return 0 if chapter == 0 else (chapter + 1) // 2


def section(markdown: str, heading: str) -> str:
    """The body of the ``## heading`` section of ``markdown`` (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(heading)}\s*$", markdown, re.MULTILINE)
    if not match:
        return ""
    rest = markdown[match.end() :]
    end = re.search(r"^## ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def key_ideas(guide: str) -> list[tuple[str, str]]:
    """(lead, the book's numbers) for each bold-led paragraph of the guide's key ideas."""
    ideas = []
    for paragraph in _paragraphs(section(guide, "Key ideas")):
        match = _BOLD_LEAD.match(paragraph)
        if not match:
            continue
        prose = match["rest"].split("*See:*")[0]  # the pointer to the notebook section
        sentences = [s for s in _SENTENCE.split(prose) if _plain_sentence(s)]
        cited = [s for s in sentences if _BOOK_NUMBER.search(s) and _has_number(s)]
        ideas.append((match["lead"].strip(), " ".join(cited[:1] or sentences[:1])))
    return ideas


def _has_number(sentence: str) -> bool:
    """A figure in ``sentence`` other than a chapter or section number."""
    return bool(re.search(r"\d", re.sub(r"(?i)\b(chapter|section|sections)\s+\d+", "", sentence)))


def _plain_sentence(sentence: str) -> bool:
    """A whole sentence of prose: not a pointer (*See:*, a link), italics not cut in two."""
    return (
        not sentence.lstrip().startswith("*See")
        and "](" not in sentence
        and sentence.count("*") % 2 == 0
        and sentence.rstrip().endswith((".", "?", "!", ".)", ":"))
    )


def discussion_questions(guide: str) -> list[str]:
    """The question sentence of each numbered item of the guide's discussion questions."""
    body = section(guide, "Discussion questions")
    starts = list(_ITEM.finditer(body))
    questions = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        text = " ".join(body[start.end() : end].split())
        text = text.replace("**", "")
        question = text.split("?")[0] + "?" if "?" in text else _SENTENCE.split(text)[0]
        questions.append(question.strip())
    return questions


def notebook_parts(path: Path) -> tuple[list[Formula], list[str]]:
    """The display formulas (with their section) and the exercise ids of one notebook."""
    nb = nbformat.read(path, as_version=4)
    formulas, exercises = [], []
    heading = ""
    title = path.stem
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    title = line[2:].strip()
                elif line.startswith("## "):
                    heading = line[3:].strip()
            for tex in _DISPLAY.findall(cell.source):
                # Two formulas set side by side with \qquad print one under the other.
                for part in re.split(r",?\s*\\qquad\s*", " ".join(tex.split())):
                    formulas.append(Formula(title, heading, part.strip()))
        elif cell.cell_type == "code":
            for qid in _EXERCISE.findall(cell.source):
                if qid not in exercises:
                    exercises.append(qid)
    return formulas, exercises


def prompt_text(prompt: str, *, max_chars: int = 180) -> str:
    """An exercise's question in one sentence, for paper: the first sentence asking something.

    The "Context: ..." list (the names the checker needs) is dropped; the notebook has the
    whole prompt, the handout only what to think about on the way home.
    """
    text = re.split(r"\s+Context:", prompt)[0].strip()
    sentences = re.split(r"(?<=[.?])\s+(?=[A-Z`*(])", text)
    at = next((i for i, s in enumerate(sentences) if s.rstrip().endswith("?")), 0)
    chosen = sentences[at]
    if len(chosen) < 60 and len(sentences) > 1:  # "Why?" needs the sentence before or after
        neighbour = sentences[at - 1] if at > 0 else sentences[at + 1]
        chosen = f"{neighbour} {chosen}" if at > 0 else f"{chosen} {neighbour}"
    if len(chosen) > max_chars:
        chosen = chosen[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return chosen


def collect(kit: Path | None = None) -> list[Session]:
    """Every session that has a chapter guide, with what its handout shows."""
    kit = kit or paths.ROOT
    import mlsd.exercises

    guides: dict[int, Path] = {}
    for guide in sorted((kit / "chapters").glob("ch*.md")):
        number = chapter_number(guide.stem)
        if number:
            guides[number] = guide
    sessions: dict[int, Session] = {}
    for chapter, guide in sorted(guides.items()):
        number = session_of(chapter)
        session = sessions.setdefault(number, Session(number, [], ""))
        session.chapters.append(chapter)
        text = guide.read_text(encoding="utf-8")
        title = text.splitlines()[0].lstrip("# ").strip()
        session.title = f"{session.title}; {title}" if session.title else title
        session.sources.append(guide.relative_to(kit).as_posix())
        session.key_ideas += key_ideas(text)
        # Both guides of a session may carry the same deck questions: list each once.
        session.discussion += [q for q in discussion_questions(text) if q not in session.discussion]
        folder = next((p for p in sorted((kit / "notebooks").glob(f"ch{chapter:02d}-*"))), None)
        for nb in sorted(folder.glob("*.ipynb")) if folder else []:
            formulas, qids = notebook_parts(nb)
            session.sources.append(nb.relative_to(kit).as_posix())
            session.formulas += formulas
            session.exercises += [
                (qid, prompt_text(mlsd.exercises.get(qid).prompt)) for qid in qids
            ]
    return [sessions[k] for k in sorted(sessions)]


def inline(markdown: str) -> str:
    """Escape ``markdown`` and keep its bold, italics, code and link text (no math: a `$`
    stays a `$`)."""
    text = html.escape(markdown, quote=False)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)


STYLE = """
@page { size: A4; margin: 10mm 10mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8.3pt; line-height: 1.22;
       max-width: 190mm; margin: 1em auto; color: #111; }
h1 { font-size: 15pt; margin: 0 0 2pt; }
h2 { font-size: 10.5pt; margin: 7pt 0 3pt; border-bottom: 1px solid #999;
     break-after: avoid; }
p.sub { margin: 0 0 4pt; color: #444; }
.columns { column-count: 2; column-gap: 7mm; }
ul, ol { margin: 0; padding-left: 1.3em; }
li { margin: 0 0 2.5pt; break-inside: avoid; }
.formula { break-inside: avoid; margin: 0 0 3pt; overflow: hidden; }
.formula .where { color: #444; font-size: 8pt; }
code { font-size: 8.5pt; }
footer { margin-top: 6pt; font-size: 7.5pt; color: #555; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def render(session: Session, mathjax_url: str) -> str:
    """The handout page of ``session`` as HTML."""
    ideas = "\n".join(
        f"<li><strong>{inline(lead)}</strong> {inline(cited)}</li>"
        for lead, cited in session.key_ideas
    )
    blocks = []
    for i, f in enumerate(session.formulas):
        following = session.formulas[i + 1] if i + 1 < len(session.formulas) else None
        same_place = following and (following.notebook, following.section) == (
            f.notebook,
            f.section,
        )
        where = (
            ""
            if same_place
            else f"<div class='where'>{inline(f.notebook)}: {inline(f.section)}</div>"
        )
        blocks.append(f"<div class='formula'>\\[{html.escape(f.tex, quote=False)}\\]{where}</div>")
    formulas = (
        "<h2>Formulas</h2>\n" + "\n".join(blocks) if blocks else ""
    )  # an evening whose notebooks display no formula gets no empty heading
    exercises = "\n".join(
        f"<li>{inline(prompt)} <code>{html.escape(qid)}</code></li>"
        for qid, prompt in session.exercises
    )
    discussion = "\n".join(f"<li>{inline(q)}</li>" for q in session.discussion)
    book = " and ".join(str(c) for c in session.chapters)
    sources = ", ".join(html.escape(s) for s in session.sources)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Session {session.number} handout</title>
<style>{STYLE}</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{
  tex2jax: {{inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]]}},
  "HTML-CSS": {{availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               scale: 82, linebreaks: {{automatic: true}}}},
  messageStyle: "none"}});
</script>
<script src="{html.escape(mathjax_url)}"></script>
</head><body>
<h1>Session {session.number}: book chapter{"s" if len(session.chapters) > 1 else ""} {book}</h1>
<p class="sub">{inline(session.title)}. <em>Designing Machine Learning Systems</em>
(Chip Huyen, O'Reilly 2022), read with the ML Systems Design Meetup Kit.</p>
<div class="columns">
<h2>Key ideas, with the book's numbers</h2>
<ul>{ideas}</ul>
{formulas}
<h2>Exercises (in the notebooks, checked by <code>q.check(...)</code>)</h2>
<ol>{exercises}</ol>
<h2>Discussion questions</h2>
<ol>{discussion}</ol>
</div>
<footer>Generated by <code>make handout</code> from {sources}.</footer>
</body></html>
"""


def build(out: Path | None = None, *, kit: Path | None = None) -> list[Path]:
    """Write ``session-N.html`` for every session with a guide into ``out``; return the pages.

    Each page is written to a temporary sibling and renamed into place.
    """
    out = (out or paths.RUNS / "handout").resolve()
    sessions = collect(kit)
    if not sessions:
        raise ValueError(f"no chapter guide (chapters/chNN-*.md) under {kit or paths.ROOT}")
    out.mkdir(parents=True, exist_ok=True)
    mathjax = offline_html.ensure_mathjax(out / offline_html.STATIC)
    url = f"{Path(os.path.relpath(mathjax / 'MathJax.js', out)).as_posix()}"
    url += f"?config={offline_html.MATHJAX_CONFIG}"
    written = []
    for session in sessions:
        target = out / f"session-{session.number}.html"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=out)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render(session, url))
        os.replace(tmp, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mlsd.handout", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", default=None, help="folder to write to (default: runs/handout)")
    args = parser.parse_args(argv)
    try:
        pages = build(Path(args.out) if args.out else None)
    except ValueError as exc:
        print(f"mlsd handout: {exc}", file=sys.stderr)
        return 1
    for page in pages:
        print(f"handout: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
