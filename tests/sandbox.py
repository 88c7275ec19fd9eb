"""The offline sandbox the notebook and site tests run in: a network namespace, loopback up.

Shared by tests/conftest.py and tests/browser (a plain module: the two conftest files cannot
import from each other).
"""

from __future__ import annotations

import shutil
import subprocess


def namespace_prefix() -> list[str] | None:
    """`unshare -n` with loopback up (no route off the machine), when this machine allows it."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return None
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, timeout=30
    )
    if probe.returncode != 0:
        return None
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
