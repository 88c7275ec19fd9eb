"""Every notebook runs with the network unavailable: the kit downloads nothing at run time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlsd import paths

pytestmark = pytest.mark.notebook

PROBE = (
    "import socket\n"
    "try:\n"
    "    socket.create_connection(('1.1.1.1', 443), timeout=3)\n"
    "except OSError:\n"
    "    print('OFFLINE')\n"
    "else:\n"
    "    print('ONLINE')\n"
)

GUARD = textwrap.dedent(
    """
    # Installed by tests/test_offline.py: refuse every connection that leaves the machine.
    import ipaddress
    import socket

    _connect = socket.socket.connect

    def _guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                local = host == "localhost" or ipaddress.ip_address(host).is_loopback
            except ValueError:
                local = False
            if not local:
                raise OSError(101, f"network disabled by the offline test: {address!r}")
        return _connect(self, address)

    socket.socket.connect = _guarded
    """
)


def namespace_prefix() -> list[str] | None:
    """`unshare -n` with loopback up, when this machine allows it."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return None
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, timeout=30
    )
    if probe.returncode != 0:
        return None
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def offline_command(tmp_path: Path) -> tuple[list[str], dict[str, str], str]:
    env = {k: v for k, v in os.environ.items() if k != "MLSD_HOME"}
    prefix = namespace_prefix()
    if prefix is not None:
        return prefix, env, "network namespace"
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard_dir), env.get("PYTHONPATH")]))
    return [], env, "socket guard"


def test_all_notebooks_run_with_the_network_unavailable(tmp_path):
    """`mlsd run` executes every notebook where no connection can leave the machine."""
    prefix, env, how = offline_command(tmp_path)
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert probe.stdout.strip() == "OFFLINE", (how, probe.stdout, probe.stderr)

    out = tmp_path / "run"
    result = subprocess.run(
        [
            *prefix,
            sys.executable,
            "-m",
            "mlsd.cli",
            "run",
            "--out",
            str(out),
            "--jobs",
            "2",
            "--no-html",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, f"offline run ({how}) failed:\n{result.stdout}\n{result.stderr}"
    manifest = json.loads((out / "manifest.json").read_text())
    notebooks = sorted(
        p.relative_to(paths.ROOT).as_posix()
        for p in paths.NOTEBOOKS.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )
    assert sorted(e["path"] for e in manifest["notebooks"]) == notebooks
    assert all(e["status"] == "ok" for e in manifest["notebooks"])
