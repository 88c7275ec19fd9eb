"""Parameter coercion and notebook selection in mlsd.runner, without starting kernels."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from mlsd import runner


def nb(rel: str, **params: str) -> runner.NotebookInfo:
    return runner.NotebookInfo(
        Path(rel), {k: runner.Parameter(k, v, "0", "") for k, v in params.items()}
    )


NOTEBOOKS = [
    nb("ch01-overview/01-churn-in-dollars.ipynb", seed="int", data_path="str"),
    nb("ch01-overview/02-latency-vs-throughput.ipynb", seed="int", max_measure_s="float"),
    nb("ch02-ml-systems-design/01-framing-ml-problems.ipynb", seed="int"),
]


@pytest.mark.parametrize(
    ("type_name", "raw", "expected"),
    [
        ("int", "42", 42),
        ("int", "1e3", 1000),
        ("int", "20_000", 20000),
        ("int", "-3", -3),
        ("float", "0.5", 0.5),
        ("float", "1e-3", 0.001),
        ("float", "3", 3.0),
        ("bool", "true", True),
        ("bool", "False", False),
        ("bool", "0", False),
        ("str", "some text", "some text"),
        ("str", "", ""),
    ],
)
def test_coerce_turns_text_into_the_declared_type(type_name, raw, expected):
    """A command-line value becomes the parameter's declared type, exactly."""
    value = runner.Parameter("x", type_name, "0", "").coerce(raw, where="nb")
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("type_name", "raw"), [("int", "1.5"), ("int", "abc"), ("float", "x"), ("bool", "2")]
)
def test_coerce_refuses_values_of_the_wrong_type(type_name, raw):
    """A value that does not fit the declared type is refused, naming parameter, type and value."""
    with pytest.raises(
        runner.UsageError, match=rf"parameter `x` of nb is {type_name}, got '{raw}'"
    ):
        runner.Parameter("x", type_name, "0", "").coerce(raw, where="nb")


def test_untyped_parameter_takes_the_type_of_its_default():
    """A parameter written without annotation is coerced like its default value."""
    assert runner.Parameter("n", "None", "10", "").coerce("12", where="nb") == 12


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("ch01", 2),
        ("ch01-overview", 2),
        ("notebooks/ch01-overview/", 2),
        ("01-churn-in-dollars", 1),
        ("02-latency-vs-throughput.ipynb", 1),
        ("ch02-ml-systems-design/01-framing-ml-problems.ipynb", 1),
    ],
)
def test_select_by_chapter_stem_name_or_path(selector, expected):
    """Notebooks can be picked by chapter, stem, file name or relative path."""
    assert len(runner.select([selector], NOTEBOOKS)) == expected


def test_select_nothing_means_everything_and_duplicates_collapse():
    """No selector selects all notebooks; a notebook named twice runs once."""
    assert runner.select([], NOTEBOOKS) == NOTEBOOKS
    assert len(runner.select(["ch01", "01-churn-in-dollars"], NOTEBOOKS)) == 2


def test_override_applies_only_to_notebooks_that_declare_it():
    """`-p max_measure_s 2` reaches the latency notebook and no other."""
    per_nb = runner.resolve_overrides([("max_measure_s", "2"), ("seed", "5")], NOTEBOOKS)
    assert per_nb[NOTEBOOKS[1].rel] == {"max_measure_s": 2.0, "seed": 5}
    assert per_nb[NOTEBOOKS[0].rel] == {"seed": 5}


def test_a_huge_value_is_quoted_as_a_prefix_with_its_length():
    """A 5,000-digit value is refused with its first characters and its length, not in full."""
    with pytest.raises(runner.UsageError) as caught:
        runner.Parameter("seed", "int", "0", "").coerce("9" * 5000, where="nb")
    message = str(caught.value)
    assert message.startswith("parameter `seed` of nb is int, got '9999")
    assert message.endswith("... (5,000 characters)") and len(message) < 150
    assert runner.quote("short") == "'short'"


@pytest.mark.parametrize(
    ("signum", "status", "code"),
    [(signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)]
    + ([(signal.SIGHUP, "terminated", 129)] if hasattr(signal, "SIGHUP") else []),
)
def test_each_stop_signal_has_its_status_and_exit_code(signum, status, code):
    """SIGINT is "interrupted" (exit 130); SIGTERM and SIGHUP are "terminated" (143, 129)."""
    stop = runner.Interrupted(signum)
    assert isinstance(stop, KeyboardInterrupt)
    assert (stop.status, stop.exit_code) == (status, code)


def test_failures_name_the_cell_a_dead_or_stopped_notebook_was_at():
    """A dead kernel and a stopped notebook are reported at their cell, not "before any cell"."""

    def result(status, error):
        return runner.NotebookResult(f"notebooks/{status}.ipynb", {}, {}, status, 1.0, error=error)

    plan = runner.RunPlan([], {}, None, 1)
    plan.results = [
        result("ok", None),
        result("failed", {"cell": 25, "ename": "DeadKernelError", "evalue": "Kernel died"}),
        result("terminated", {"cell": 3, "ename": "terminated", "evalue": "stopped by SIGTERM"}),
        result("not started", None),
    ]
    assert runner.failures(plan) == [
        "notebooks/failed.ipynb: failed at cell 25: DeadKernelError: Kernel died",
        "notebooks/terminated.ipynb: terminated at cell 3",
        "notebooks/not started.ipynb: not started",
    ]


def test_the_partial_saver_tracks_code_cells_only(tmp_path):
    """A Markdown cell never becomes "the running cell" a later failure would be reported at."""
    import asyncio

    import nbformat

    saver = runner._PartialSaver(tmp_path / ".nb.partial.ipynb")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("1"), nbformat.v4.new_markdown_cell("closing words")]
    )

    async def execute() -> list:
        seen = []
        saver._notebook_start(nb)
        saver._cell_start(nb.cells[0], 0)
        seen.append(saver.running)
        saver._cell_executed(nb.cells[0], 0)
        saver._cell_start(nb.cells[1], 1)
        seen.append(saver.running)
        return seen

    assert asyncio.run(execute()) == [0, None]
    assert nbformat.read(saver.partial, as_version=4).cells[1].source == "closing words"


@pytest.mark.skipif(sys.platform != "linux", reason="niceness is per thread only on Linux")
def test_html_thread_yields_cpu_to_the_executing_notebook():
    """The HTML-rendering thread gets niceness 10; the thread that forks workers keeps its own."""
    import os
    import threading

    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def in_thread():
        seen["done"] = runner._background_priority()
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen["done"] is True
    assert seen["nice"] == max(main_before, runner.BACKGROUND_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before
