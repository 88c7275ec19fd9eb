"""`make dist`: one zip with the notebooks, learner editions, datasets and README, no fake URL."""

from __future__ import annotations

import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from mlsd import __version__, dist, paths, runner

TOP = f"mlsd-meetup-kit-{__version__}"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> zipfile.ZipFile:
    target = dist.build(tmp_path_factory.mktemp("dist"))
    assert target.name == f"{TOP}.zip"
    with zipfile.ZipFile(target) as zf:
        yield zf


def test_the_zip_holds_notebooks_learner_editions_datasets_and_readme(archive):
    """Every notebook and its learner edition, every shipped data file and the README are in."""
    names = set(archive.namelist())
    assert f"{TOP}/README.md" in names
    assert f"{TOP}/pyproject.toml" in names and f"{TOP}/src/mlsd/__init__.py" in names
    for nb in runner.discover():
        assert f"{TOP}/notebooks/{nb.rel.as_posix()}" in names
        assert f"{TOP}/{dist.LEARNER_FOLDER}/{nb.rel.as_posix()}" in names
    shipped = [p for p in paths.DATASETS.rglob("*") if p.is_file()]
    assert shipped
    for p in shipped:
        assert f"{TOP}/datasets/{p.relative_to(paths.DATASETS).as_posix()}" in names
    assert all(n.startswith(f"{TOP}/") for n in names)
    assert not [n for n in names if re.search(r"/(runs|\.venv|\.git|__pycache__)/", n)]


def test_learner_editions_in_the_zip_carry_no_solution(archive):
    """No `# SOLUTION` line and no solution-tagged cell survives in a learner edition."""
    learner = [n for n in archive.namelist() if f"/{dist.LEARNER_FOLDER}/" in n]
    assert learner
    for name in learner:
        nb = nbformat.reads(archive.read(name).decode(), as_version=4)
        for cell in nb.cells:
            assert "solution" not in cell.get("metadata", {}).get("tags", []), name
            assert not re.search(r"#\s*SOLUTION\s*$", cell.source, re.MULTILINE), name


def test_no_placeholder_or_invented_url_anywhere(archive):
    """No text file points at example.com, a `your-org` address or the never-created repo."""
    bad = re.compile(r"example\.(com|org)|your-(org|user|name)|mlsd-meetup-kit/mlsd-meetup-kit")
    found = []
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8", errors="replace")
        found += [f"{name}: {u}" for u in re.findall(r"https?://\S+", text) if bad.search(u)]
    assert not found, found
    meta = tomllib.loads(archive.read(f"{TOP}/pyproject.toml").decode())["project"]
    assert "mlsd-meetup-kit/mlsd-meetup-kit" not in str(meta.get("urls", {}))


def _small_kit(tmp_path: Path) -> Path:
    kit = tmp_path / "kit"
    shutil.copytree(paths.NOTEBOOKS / "ch00-start-here", kit / "notebooks" / "ch00-start-here")
    (kit / "README.md").write_text("# Kit\n\nGet it from the organiser.\n")
    return kit


def test_a_placeholder_url_stops_the_build_naming_the_file(tmp_path):
    """A README pointing at github.com/your-org/... is refused, with the file and the URL."""
    kit = _small_kit(tmp_path)
    # Assembled here so that this file itself holds no placeholder URL (it ships in the zip).
    url = "https://" + "github.com/your-org/kit.git"
    (kit / "README.md").write_text(f"# Kit\n\nClone {url}\n")
    with pytest.raises(dist.DistError, match=re.escape(f"README.md: {url}")):
        dist.build(tmp_path / "out", kit=kit)
    assert not list((tmp_path / "out").glob("*.zip"))


def test_the_same_kit_gives_the_same_zip(tmp_path):
    """Two builds of an unchanged kit are byte-identical (fixed timestamps, sorted entries)."""
    kit = _small_kit(tmp_path)
    first = dist.build(tmp_path / "a", kit=kit).read_bytes()
    second = dist.build(tmp_path / "b", kit=kit).read_bytes()
    assert first == second
