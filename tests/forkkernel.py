"""Forked kernels for the test suite: a kernel with its libraries loaded in a fraction of a second.

Every notebook execution in the suite starts a kernel, and a fresh kernel spends 1.5-2.5 s
importing numpy, pandas, scipy, scikit-learn and matplotlib before the notebook's own work:
about half of what the suite's executions cost. Here one *server* per test process imports
those libraries once (never the kit's own `mlsd`, so each kernel runs the current source), and
each kernel is a ``fork()`` of it. To jupyter_client the kernel looks as usual: the kernel
command is this file's *client*, which hands its connection file, working folder, environment
and standard streams to the server, relays interrupt and stop signals to the forked kernel,
and exits with its exit status.

- Only on Linux (``fork`` with file descriptors passed over a Unix socket, and
  ``PR_SET_PDEATHSIG``); elsewhere, or if a library warns while it is loaded, the suite uses
  fresh kernels and says so in its summary (``MLSD_FRESH_KERNELS=1`` forces them).
- Nothing outlives its owner: the server dies with the process that started it; a kernel dies
  with its client (a pipe whose far end is the client) and with the server (ipykernel's parent
  poller, pointed at the server).
- What differs from a fresh kernel: the preloaded modules are already in ``sys.modules`` (a
  notebook still has to import them to use them) and the process's hash seed is the server's.
  numpy's legacy global generator is reseeded in each kernel, as in a fresh process. The
  browser tests, ``mlsd run`` and ``make site`` keep starting fresh kernels, and the browser
  tests run every notebook in JupyterLab, so an import a notebook forgot is still caught.

Usage: ``python forkkernel.py serve SOCKET`` (prints ``ready`` when it listens; stops when its
standard input closes) and ``python forkkernel.py client SOCKET -f CONNECTION_FILE ...``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys

#: What the server imports once: the notebooks' heavy imports and the kernel's own. Never mlsd.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # debugpy's vendored pydevd: 0.1 s of every kernel's start
    "IPython.display",
    "numpy",
    "pandas",
    "scipy.special",
    "scipy.stats",
    "sklearn.base",
    "sklearn.compose",
    "sklearn.ensemble",
    "sklearn.feature_extraction.text",
    "sklearn.impute",
    "sklearn.inspection",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.naive_bayes",
    "sklearn.neighbors",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "sklearn.semi_supervised",
    "sklearn.tree",
    "imblearn.over_sampling",
    "imblearn.under_sampling",
    "statsmodels.stats.proportion",
    "matplotlib.pyplot",
    "matplotlib.dates",
    "matplotlib_inline.backend_inline",
)

#: The signals a client passes on to its kernel (an interrupt is SIGINT).
RELAYED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1)


def available() -> str | None:
    """None where forked kernels can work here, else why not (one line)."""
    if os.environ.get("MLSD_FRESH_KERNELS"):
        return "MLSD_FRESH_KERNELS is set"
    if not sys.platform.startswith("linux"):
        return f"forked kernels need Linux, this is {sys.platform}"
    return None


def start_server(folder: str, timeout_s: float = 120):
    """Start a server; return (its process, its socket's path) or raise RuntimeError saying why.

    Its socket is a file in ``folder``. The server stops (and removes the socket) when the
    returned process's standard input is closed; it is killed when this process exits.
    """
    import subprocess

    sock = os.path.join(folder, f"forkkernel-{os.getpid()}.socket")
    server = subprocess.Popen(
        [sys.executable, __file__, "serve", sock],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    ready = select.select([server.stdout], [], [], timeout_s)[0] and server.stdout.readline()
    if ready != "ready\n":
        server.kill()
        server.communicate()  # reaps it and closes its pipes
        raise RuntimeError((ready or f"no answer in {timeout_s:g} s").strip())
    return server, sock


def manager_class(sock: str, base=None):
    """A jupyter_client kernel manager class (``base``, by default the async one nbclient uses,
    as ``mlsd run`` has it: :func:`mlsd.runner.prompt_kernel_manager`) that starts this file's
    client, for the server at ``sock``, instead of a fresh kernel."""
    if base is None:  # nbclient's, without its idle waits (the executor imports mlsd anyway)
        from mlsd.runner import prompt_kernel_manager

        base = prompt_kernel_manager()

    class ForkedKernelManager(base):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if cmd[1:3] == ["-m", "ipykernel_launcher"]:
                cmd = [cmd[0], __file__, "client", sock, *cmd[3:]]
            return cmd

    return ForkedKernelManager


def _die_with_parent() -> None:
    """Have Linux kill this process when the process that started it exits."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() == 1:  # the parent exited before prctl
        os._exit(1)


def _preload() -> None:
    """Import PRELOAD as a fresh kernel would find them; refuse if anything warns (stricter
    than a kernel, which hides libraries' DeprecationWarnings: a refusal only costs speed)."""
    import importlib
    import warnings

    # What jupyter_client and ipykernel put in a kernel's environment before any import.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name.split(".")[0]:
                    raise  # an installed package that cannot import what it needs
                # Not installed here: a notebook importing it fails in any kernel.
    if caught:
        first = caught[0]
        raise RuntimeError(
            f"a warning while preloading: {first.category.__name__}: {first.message}"
        )


def serve(sock_path: str) -> int:
    """Preload, listen on ``sock_path``, fork one kernel per request until stdin closes."""
    _die_with_parent()
    try:
        _preload()
    except Exception as exc:
        print(f"not ready: {type(exc).__name__}: {exc}", flush=True)
        return 1
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    owner = os.getpid()
    server.listen(8)
    print("ready", flush=True)
    try:
        while True:
            readable, _, _ = select.select([server, sys.stdin.fileno()], [], [])
            if sys.stdin.fileno() in readable and not os.read(sys.stdin.fileno(), 1024):
                return 0  # the test process closed our input: it is done (or gone)
            if server in readable:
                conn, _ = server.accept()
                with conn:
                    try:
                        _start_kernel(server, conn)
                    except (OSError, ValueError) as exc:  # a client gone before it asked
                        print(f"forkkernel: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        if os.getpid() == owner:  # not in a kernel that failed to start
            os.unlink(sock_path)


def _start_kernel(server: socket.socket, conn: socket.socket) -> None:
    """Fork one kernel for the client on ``conn``; report its pid, then its exit status."""
    message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 4)
    request = json.loads(message)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the kernel
        try:
            server.close()
            conn.close()
            _become_kernel(request, fds)
        finally:
            os._exit(1)  # only reached if the kernel could not start
    for fd in fds:
        os.close(fd)
    with contextlib.suppress(OSError):  # a client killed meanwhile: its kernel still ends
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):  # a killed client no longer waits for the status
        conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")


def _become_kernel(request: dict, fds: list[int]) -> None:
    """In the forked child: take the client's streams, folder and environment; run ipykernel."""
    import threading

    os.setsid()  # a session of its own, as jupyter_client gives a kernel
    for target, fd in zip((0, 1, 2), fds[:3], strict=True):
        os.dup2(fd, target)
        os.close(fd)
    lifeline = fds[3]
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # ipykernel's parent poller ends the kernel when this parent (the server) goes.
    os.environ["JPY_PARENT_PID"] = str(os.getppid())

    def die_with_client() -> None:
        while os.read(lifeline, 1):
            pass
        os._exit(1)  # the client is gone (killed by jupyter_client, or its test process)

    threading.Thread(target=die_with_client, daemon=True).start()
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed()  # a fresh process's legacy global generator is seeded from the OS
    import ipykernel_launcher
    from ipykernel import kernelapp

    # ipykernel read JPY_PARENT_PID when the server imported it: name the parent here.
    parent = f"--IPKernelApp.parent_handle={os.getppid()}"
    sys.argv = [ipykernel_launcher.__file__, *request["argv"], parent]
    sys.path[0] = request["cwd"]  # `python -m ipykernel_launcher` puts the folder first
    code = 0
    try:
        kernelapp.launch_new_instance()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def client(sock_path: str, argv: list[str]) -> int:
    """Ask the server for a kernel with ``argv``; relay signals; return its exit status."""
    # The kernel watches the read end; the write end stays open until this process ends.
    lifeline_read, _lifeline_write = os.pipe()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(sock_path)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2, lifeline_read])
    os.close(lifeline_read)
    answers = conn.makefile("rb")
    first = answers.readline()
    if not first:
        print("forkkernel: the server closed the connection", file=sys.stderr)
        return 1
    pid = json.loads(first)["pid"]
    for signum in RELAYED:
        signal.signal(signum, lambda n, _frame: os.kill(pid, n))
    last = answers.readline()  # blocks until the kernel exits; signals are relayed meanwhile
    code = json.loads(last)["exit"] if last else 1
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        sys.exit(serve(sys.argv[2]))
    if len(sys.argv) >= 3 and sys.argv[1] == "client":
        sys.exit(client(sys.argv[2], sys.argv[3:]))
    sys.exit(__doc__)
