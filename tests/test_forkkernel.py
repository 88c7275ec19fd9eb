"""The suite's forked kernels (tests/forkkernel.py) behave as kernels and leave nothing behind.

The suite executes every notebook in such a kernel where the machine allows it; these tests
check what that relies on: the libraries are loaded and the kit's own code is not, the kernel
runs in the folder and environment jupyter_client gave it, an interrupt reaches it, and it
ends with its client and with its server.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).parent))
import forkkernel

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(forkkernel.available() is not None, reason=str(forkkernel.available())),
]


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running server (preloading only numpy and sklearn.base: the suite's own executions
    show that the full list loads) and its socket; stopped after the module."""
    folder = tmp_path_factory.mktemp("fork")
    source = Path(forkkernel.__file__).read_text()
    start, end = source.index("PRELOAD = ("), source.index(")\n", source.index("PRELOAD = ("))
    slim = folder / "forkkernel.py"
    slim.write_text(source[:start] + 'PRELOAD = ("numpy", "sklearn.base"' + source[end:])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(forkkernel, "__file__", str(slim))
        process, sock = forkkernel.start_server(str(folder))
        manager = forkkernel.manager_class(sock, KernelManager)
    yield process, sock, manager
    process.stdin.close()  # the server's signal to stop
    process.wait(timeout=30)
    process.stdout.close()
    assert not Path(sock).exists(), "the server left its socket behind"


def run(kc, code: str, timeout: float = 30) -> tuple[dict, str]:
    """Execute ``code`` with a blocking client; return the reply's content and the stdout."""
    printed = []
    reply = kc.execute_interactive(
        code,
        timeout=timeout,
        output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
    )
    return reply["content"], "".join(printed)


@pytest.fixture
def kernel(server, tmp_path):
    """A forked kernel started by jupyter_client in ``tmp_path``, with a marker variable."""
    _process, _sock, manager = server
    km = manager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path), env=os.environ | {"MLSD_FORK_TEST": "here"})
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)
    else:  # killed by the test: free what the manager holds
        km.cleanup_resources()
    km.context.destroy(linger=0)


def test_a_forked_kernel_has_the_libraries_but_not_the_kit_and_its_own_folder(kernel, tmp_path):
    """The preloaded libraries are there before the first cell, mlsd is not; cwd, env hold."""
    km, kc = kernel
    reply, printed = run(
        kc,
        "import os, sys\n"
        "print('numpy' in sys.modules, 'sklearn.base' in sys.modules, 'mlsd' in sys.modules)\n"
        "print(os.getcwd(), os.environ.get('MLSD_FORK_TEST'), sys.path[0] in ('', os.getcwd()))\n",
    )
    assert reply["status"] == "ok", reply
    assert printed.split("\n")[:2] == ["True True False", f"{tmp_path} here True"]
    # The process jupyter_client started is the client, not the kernel itself.
    reply, printed = run(kc, "print(os.getpid())")
    assert int(printed) != km.provisioner.process.pid


def test_an_interrupt_reaches_the_kernel(kernel):
    """An interrupt (SIGINT to the client) stops a running cell with KeyboardInterrupt."""
    km, kc = kernel
    kc.execute("import time; time.sleep(60)")
    time.sleep(1.0)
    started = time.monotonic()
    km.interrupt_kernel()
    while True:
        msg = kc.get_shell_msg(timeout=30)
        if msg["msg_type"] == "execute_reply":
            break
    assert msg["content"]["status"] == "error"
    assert msg["content"]["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - started < 10


def test_the_kernel_ends_when_its_client_is_killed(kernel):
    """SIGKILL to the client (what jupyter_client does to a kernel that will not stop) ends it."""
    km, kc = kernel
    _, printed = run(kc, "import os; print(os.getpid())")
    pid = int(printed)
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    assert gone_within(pid, 10), "the forked kernel outlived its client"


def test_shutdown_ends_kernel_and_client_with_status_zero(kernel):
    """A normal shutdown request ends the kernel, and the client exits 0 as a kernel would."""
    km, kc = kernel
    _, printed = run(kc, "import os; print(os.getpid())")
    pid = int(printed)
    client = km.provisioner.process
    km.shutdown_kernel(now=False)
    assert gone_within(pid, 10)
    assert client.wait(timeout=10) == 0


def test_through_nbclient_every_output_stays_with_its_cell(server, tmp_path):
    """The suite's async manager (mlsd run's: client ready without IOPub's 0.2 s of silence,
    shutdown polled every 10 ms) loses no output, the first cell's included, run after run."""
    _process, sock, _manager = server
    manager = forkkernel.manager_class(sock)
    assert manager().client_factory.__name__ == "PromptKernelClient"
    for run_number in range(5):
        nb = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(f"print('first {run_number}')"),
                nbformat.v4.new_code_cell("import os\nprint(os.getcwd())"),
                nbformat.v4.new_code_cell("6 * 7"),
            ]
        )
        NotebookClient(
            nb,
            kernel_name="python3",
            kernel_manager_class=manager,
            resources={"metadata": {"path": str(tmp_path)}},
        ).execute()
        outputs = [cell.outputs for cell in nb.cells]
        assert [o[0].get("text") for o in outputs[:2]] == [f"first {run_number}\n", f"{tmp_path}\n"]
        assert outputs[2][0]["data"]["text/plain"] == "42"


def test_a_server_that_cannot_load_a_library_says_so(tmp_path, monkeypatch):
    """A library that fails to load refuses the server with the reason (the suite then uses
    fresh kernels and says why)."""
    monkeypatch.setattr(forkkernel, "__file__", str(tmp_path / "forkkernel.py"))
    source = Path(__file__).with_name("forkkernel.py").read_text()
    (tmp_path / "forkkernel.py").write_text(
        source.replace("PRELOAD = (\n", 'PRELOAD = (\n    "json.no_such_module_here",\n', 1)
    )
    with pytest.raises(RuntimeError, match="no_such_module_here"):
        forkkernel.start_server(str(tmp_path))


def test_a_package_that_is_not_installed_is_skipped_and_a_warning_refused(monkeypatch):
    """Preloading skips an absent package (no kernel can import it either) but refuses a
    library that warns while loading, as a fresh kernel would show that warning."""
    for name in ("MPLBACKEND", "PYDEVD_DISABLE_FILE_VALIDATION"):
        monkeypatch.setenv(name, os.environ.get(name, "unchanged"))  # _preload sets them
    monkeypatch.setattr(forkkernel, "PRELOAD", ("json", "no_such_package_here.sub"))
    forkkernel._preload()
    monkeypatch.setattr(forkkernel, "PRELOAD", ("json.no_such_module_here",))
    with pytest.raises(ModuleNotFoundError):
        forkkernel._preload()
    monkeypatch.setitem(sys.modules, "warns_on_import", None)
    del sys.modules["warns_on_import"]
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "fixtures"))
    monkeypatch.setattr(forkkernel, "PRELOAD", ("warns_on_import",))
    with pytest.raises(RuntimeError, match="a warning while preloading: UserWarning: loud"):
        forkkernel._preload()
