"""The ``mlsd`` command: list, run, doctor, data, student, lab, learn.

A usage error (an unknown notebook, parameter or folder) gets one short message on stderr
and exit status 2; a failure (a notebook that fails, a file that cannot be written, a
damaged input) gets one line naming the culprit and exit status 1; a traceback only with
``--debug``. A run stopped by SIGINT, SIGTERM or SIGHUP exits 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlsd import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlsd",
        description="ML Systems Design Meetup Kit: list, run and check the kit's notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"mlsd {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="every notebook, by chapter, with its parameters")

    run = sub.add_parser(
        "run",
        help="execute notebooks into runs/<UTC timestamp>/",
        description="Execute notebooks with papermill into a new run folder, with HTML, "
        "index.html and manifest.json. Select notebooks by path, file name, stem or chapter "
        "(e.g. ch01 or ch01-overview); all by default.",
    )
    run.add_argument("targets", nargs="*", metavar="NOTEBOOK|CHAPTER")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable); applied to each selected notebook that declares it",
    )
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="notebooks executed in parallel (default: number of CPUs)",
    )
    run.add_argument("--out", default=None, help="a new or empty folder for this run")
    run.add_argument("--no-html", action="store_true", help="skip the HTML renderings")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    sub.add_parser("doctor", help="check this machine is ready for the meetup")

    data = sub.add_parser("data", help="generate or verify the shipped datasets")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    gen = data_sub.add_parser("generate", help="regenerate the snapshots from recorded seeds")
    gen.add_argument("--out", default=None, help="folder to write to (default: datasets/)")
    data_sub.add_parser("verify", help="regenerate each snapshot and compare it byte for byte")

    student = sub.add_parser(
        "student",
        help="write learner editions (solutions removed) into learn/",
        description="Write learner editions of every notebook into a folder mlsd made "
        "(default: learn/). A copy its learner changed is kept; the new edition goes beside "
        "it as NAME.new.ipynb.",
    )
    student.add_argument("--out", default=None, help="folder to write to (default: learn/)")

    for name, what in (
        ("lab", "a working copy of the notebooks in lab/ (the sources are never written)"),
        ("learn", "the learner editions in learn/ (your answers are never overwritten)"),
    ):
        cmd = sub.add_parser(
            name,
            help=f"JupyterLab on 127.0.0.1 with its token, on {what}",
            description=f"Refresh {what}, then start JupyterLab there on 127.0.0.1 with "
            "token authentication. Arguments after -- go to jupyter lab.",
        )
        cmd.add_argument("--prepare-only", action="store_true", help="refresh the folder only")
        cmd.add_argument("jupyter_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    from mlsd import guides

    guides.add_parser(sub)  # mlsd guide-times
    return parser


def skip_the_iri_grammar() -> None:
    """Keep jsonschema from building its IRI grammar in this process (about 2 s per start).

    nbformat and papermill import jsonschema, whose format checkers import `rfc3987_syntax`
    when it is installed (JupyterLab's jupyter-events brings it); that module builds some 35
    Earley parsers at import: `import nbformat` takes 2.5 s instead of 0.4 s
    (python-jsonschema/jsonschema#1428). Nothing `mlsd` does validates the "iri" format, so
    this process goes without that checker; kernels and JupyterLab run in processes of their
    own and keep it. Without effect once jsonschema is imported.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # its import now raises ImportError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mlsd`` console script."""
    from mlsd.outputs import OutputError, UsageError

    skip_the_iri_grammar()

    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("mlsd: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        if args.debug:
            raise
        print(f"mlsd: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OutputError, OSError, ValueError) as exc:  # a file not written, a damaged input
        if args.debug:
            raise
        message = str(exc)
        if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in message:
            message = f"{exc.filename}: {exc.strerror or message}"
        print(f"mlsd: error: {message}", file=sys.stderr)
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "list":
        return cmd_list()
    if args.command == "run":
        return cmd_run(args)
    if args.command == "doctor":
        from mlsd import doctor

        return doctor.main()
    if args.command == "data":
        return cmd_data(args)
    if args.command == "student":
        from mlsd import student

        folder = Path(args.out) if args.out else student.learner_workspace()
        written = student.write_learner_editions(folder)
        for path in written:
            print(path)
        if not written:
            print(f"the learner editions in {folder} are up to date")
        return EXIT_OK
    if args.command == "guide-times":
        from mlsd import guides

        return guides.main(args)
    if args.command in ("lab", "learn"):
        return cmd_lab(args)
    raise AssertionError(args.command)  # argparse rejects anything else


def cmd_lab(args: argparse.Namespace) -> int:
    from mlsd import lab

    folder = lab.prepare(args.command)
    if args.prepare_only:
        print(folder)
        return EXIT_OK
    extra = [a for a in args.jupyter_args if a != "--"]
    return lab.start_jupyter(folder, extra)


def _report_unreadable(unreadable) -> None:
    for bad in unreadable:
        print(f"mlsd: skipped {bad}", file=sys.stderr)


def cmd_list() -> int:
    from mlsd import runner

    notebooks, unreadable = runner.discover_all()
    _report_unreadable(unreadable)
    chapter = None
    for nb in notebooks:
        if nb.chapter != chapter:
            chapter = nb.chapter
            print(f"\n{chapter}")
        print(f"  {nb.display}")
        width = max((len(n) for n in nb.parameters), default=0)
        for p in nb.parameters.values():
            help_text = f"  # {p.help}" if p.help else ""
            print(f"      {p.name:<{width}} : {p.type_name:<5} = {p.default}{help_text}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from mlsd import runner

    plan = runner.plan_run(
        args.targets,
        [tuple(p) for p in args.parameter],
        jobs=args.jobs,
        out=args.out,
        html=not args.no_html,
    )
    _report_unreadable(plan.skipped)
    try:
        runner.execute(plan, progress=not args.no_progress)
    except runner.Interrupted as exc:
        done = sum(r.status == "ok" for r in plan.results)
        print(
            f"mlsd: {exc.status} ({runner._signal_name(exc)}); {done} of {len(plan.results)} "
            f"notebooks finished; partial run in {plan.out_dir}",
            file=sys.stderr,
        )
        return exc.exit_code
    failed = runner.failures(plan)
    ok = len(plan.results) - len(failed)
    print(f"{ok} of {len(plan.results)} notebooks succeeded; run folder: {plan.out_dir}")
    if failed:
        for line in failed:
            print(f"FAILED {line}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_data(args: argparse.Namespace) -> int:
    from mlsd import datasets

    try:
        if args.data_command == "generate":
            for path in datasets.generate_all(Path(args.out) if args.out else None):
                print(path)
            return EXIT_OK
        results = datasets.verify_all()
    except datasets.DataError as exc:
        print(f"mlsd: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    bad = 0
    for name, ok, message in results:
        print(f"{'OK  ' if ok else 'FAIL'} {name}: {message}")
        bad += not ok
    print(f"{len(results) - bad} of {len(results)} snapshots reproduce byte for byte")
    return EXIT_FAILED if bad else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
