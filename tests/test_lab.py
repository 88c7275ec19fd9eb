"""`make lab` serves a working copy: JupyterLab's autosave can never write into notebooks/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from mlsd import lab, paths

ECHO = "ch90-fixture/01-echo.ipynb"


@pytest.fixture
def kit(tmp_path, fixtures_dir) -> Path:
    """A throw-away kit under git: the fixture notebooks and the kit's own .gitignore."""
    root = tmp_path / "kit"
    shutil.copytree(fixtures_dir / "notebooks", root / "notebooks")
    shutil.copy(paths.ROOT / ".gitignore", root / ".gitignore")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "kit"], check=True)
    return root


def git_status(kit: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(kit), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_lab_copy_is_refreshed_but_an_edited_copy_is_kept(kit):
    """A copy nobody changed follows its source; a changed copy is kept, the new one beside it."""
    sources = kit / "notebooks"
    folder = lab.write_lab_copy(kit / "lab", source_root=sources)
    assert (folder / ECHO).read_bytes() == (sources / ECHO).read_bytes()
    edited = folder / "ch90-fixture" / "02-fail.ipynb"
    edited.write_text(edited.read_text().replace("boom on purpose", "my change"))
    for name in ("01-echo.ipynb", "02-fail.ipynb"):
        src = sources / "ch90-fixture" / name
        src.write_text(src.read_text().replace('"# ', '"# Updated: '))
    messages: list[str] = []
    lab.write_lab_copy(kit / "lab", source_root=sources, notify=messages.append)
    assert (folder / ECHO).read_bytes() == (sources / ECHO).read_bytes()
    assert "my change" in edited.read_text()
    assert (folder / "ch90-fixture" / "02-fail.new.ipynb").read_bytes() == (
        sources / "ch90-fixture" / "02-fail.ipynb"
    ).read_bytes()
    assert messages == [f"kept your changed {edited}; the new version is 02-fail.new.ipynb"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, *, token: str | None = None, data: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(
        url,
        method="PUT" if data is not None else "GET",
        data=None if data is None else json.dumps(data).encode(),
        headers={"Authorization": f"token {token}"} if token else {},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.notebook
def test_saving_in_jupyterlab_leaves_the_sources_and_git_status_clean(kit, tmp_path):
    """`mlsd lab` serves lab/ on 127.0.0.1 with a token: a save lands there, never in notebooks/."""
    before = (kit / "notebooks" / ECHO).read_bytes()
    port, token = free_port(), "test-token-0123456789"
    env = {
        **os.environ,
        "MLSD_HOME": str(kit),
        "JUPYTER_TOKEN": token,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = open(tmp_path / "lab.log", "w")  # closed in finally
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "mlsd.cli", "lab", "--"),
            *(f"--ServerApp.port={port}", "--ServerApp.port_retries=0"),
        ],
        env=env,
        cwd=kit,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if request(f"{base}/api/status", token=token)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "lab.log").read_text()
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.3)

        assert request(f"{base}/api/contents/{ECHO}")[0] == 403  # no token, no access
        nb = nbformat.read(kit / "notebooks" / ECHO, as_version=4)
        nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="ECHO autosaved\n")]
        nb.cells[2].execution_count = 1
        status, body = request(
            f"{base}/api/contents/{ECHO}",
            token=token,
            data={"type": "notebook", "format": "json", "content": nb},
        )
        assert status == 200, body
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert "ECHO autosaved" in (kit / "lab" / ECHO).read_text()
    assert (kit / "notebooks" / ECHO).read_bytes() == before
    assert git_status(kit) == ""
