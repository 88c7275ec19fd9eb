"""What the browser tests share: finding chromium, starting JupyterLab, serving a folder.

Nothing here downloads: chromium comes from the system (Debian's ``chromium`` package) and
is driven by the ``playwright`` Python package (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared sandbox
from sandbox import namespace_prefix  # noqa: F401  (re-exported for the site test)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: JavaScript ``letterRun(math)``: the longest run of single-letter identifiers in a typeset
#: formula (a price typeset as math, "$5 and $7", reads as a run of italic letters). The page
#: scripts of the lab and site tests put it where they write ``LETTER_RUN_MARK``.
LETTER_RUN_MARK = "  /* letterRun */\n"
LETTER_RUN_JS = """  const letterRun = (math) => {
    let run = 0, best = 0;
    for (const el of math.querySelectorAll('*')) {
      if (el.children.length) continue;
      const t = el.textContent.trim();
      if (el.tagName.toLowerCase() === 'mi' && /^[A-Za-z]$/.test(t)) {
        run += 1;
        best = Math.max(best, run);
      } else if (t) run = 0;
    }
    return best;
  };
"""


def chromium_path() -> str | None:
    """A chromium executable: ``$MLSD_CHROMIUM``, else the first on PATH."""
    env = os.environ.get("MLSD_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[browser]')"
    if chromium_path() is None:
        return (
            "no chromium executable on PATH (Debian: apt-get install chromium; "
            "or set MLSD_CHROMIUM to one)"
        )
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url: str, timeout: float = 10) -> int:
    """The HTTP status of GET ``url``, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class LabServer:
    """JupyterLab as ``make lab`` starts it (127.0.0.1, token), on a folder of our own.

    Workspaces, user settings, runtime and data folders live under ``home`` so that tabs
    restored from an earlier session, the news pop-up or another kernelspec cannot interfere.
    """

    def __init__(self, root_dir: Path, home: Path) -> None:
        self.root_dir = root_dir
        self.home = home
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = home / "jupyterlab.log"

    def _settings(self) -> Path:
        settings = self.home / "user-settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        # Every cell in the page (no windowing), so what is checked is the whole notebook.
        tracker = settings / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True, exist_ok=True)
        (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        return settings

    def start(self, timeout: float = 120) -> LabServer:
        settings = self._settings()
        workspaces = self.home / "workspaces"
        workspaces.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(self.home / "config"),
            "JUPYTER_DATA_DIR": str(self.home / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
            "IPYTHONDIR": str(self.home / "ipython"),
        }
        env.pop("MPLBACKEND", None)
        command = [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--IdentityProvider.token={self.token}",
            "--no-browser",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={workspaces}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
        ]
        if hasattr(os, "getuid") and os.getuid() == 0:
            command.append("--allow-root")
        self.log_handle = open(self.log, "w")  # closed in stop()
        self.process = subprocess.Popen(
            command, cwd=self.root_dir, env=env, stdout=self.log_handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited; log:\n{self.log.read_text()}")
            with contextlib.suppress(OSError):
                if http_status(f"{self.base}/api/status?token={self.token}", timeout=2) == 200:
                    return self
            time.sleep(0.3)
        self.stop()
        log = self.log.read_text()
        raise RuntimeError(f"JupyterLab did not answer in {timeout} s; log:\n{log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        if getattr(self, "log_handle", None):
            self.log_handle.close()

    def workspace_url(self) -> str:
        """A fresh, empty workspace (``?reset`` drops restored tabs)."""
        workspace = "w" + secrets.token_hex(6)
        return f"{self.base}/lab/workspaces/{workspace}?reset&token={self.token}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve_folder(folder: Path):
    """Serve ``folder`` over HTTP on 127.0.0.1; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
