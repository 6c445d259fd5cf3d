"""``emoface serve``: the blog of Fig. 7 as a web page on this computer, through Voilà.

Voilà runs a notebook in a fresh kernel for each visitor and shows its widgets, not its code. The
notebook is the tiny ``assets/blog.ipynb`` (build a :class:`~emoface.blog.app.BlogApp`, display
it); everything else lives in :mod:`emoface.blog.app`, so the page, the lesson and the tests run
the same code.

Three details make it dependable rather than "works on my machine":

* **the kernel is this interpreter.** Voilà starts the kernel the notebook's metadata names, and a
  ``python3`` kernelspec in ``~/.local/share/jupyter`` may point at another Python without
  emoface. :func:`prepare_site` writes a copy of the notebook that names a kernelspec of our own,
  ``emoface-blog``, written beside it with ``argv = [sys.executable, "-m", "ipykernel_launcher", …]``,
  and that folder goes first on ``JUPYTER_PATH``;
* **paths are absolute.** The kernel runs in that temporary folder, so the database path and the
  data/runs folders are resolved here and passed in the environment (``EMOFACE_BLOG_DB``, …);
* **the port is the one asked for.** Voilà quietly moves to the next free port when one is taken,
  which would make the printed address wrong; ``port_retries=0`` makes it fail instead.

Taught in ``05_pipeline_app.ipynb``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from importlib.resources import files
from pathlib import Path

from ..settings import DATA_ENV, RUNS_ENV, runs_dir

#: The largest photo file the page takes (phone photos are 2–12 MB). The page states it, the app
#: checks it, and the served page's websocket lets a larger file arrive so it can be refused in words.
UPLOAD_LIMIT_BYTES = 20 * 1024 * 1024
#: Pages served at once (each runs a ~1.2 GB kernel), and how long a kernel with no page lives idle.
DEFAULT_MAX_VISITORS = 4
DEFAULT_CULL_AFTER_S = 60

#: The environment variable that tells the blog's notebook which SQLite file to use.
DB_ENV = "EMOFACE_BLOG_DB"
#: The kernelspec :func:`prepare_site` writes: this interpreter, whatever else is installed.
KERNEL_NAME = "emoface-blog"
DEFAULT_PORT = 8866


def default_db_path() -> Path:
    """The blog's database: ``$EMOFACE_BLOG_DB``, else ``blog.sqlite`` in the runs folder."""
    chosen = os.environ.get(DB_ENV)
    return Path(chosen).expanduser().resolve() if chosen else runs_dir() / "blog.sqlite"


def notebook_path() -> Path:
    """The notebook Voilà serves (shipped in the package)."""
    return Path(str(files("emoface") / "assets" / "blog.ipynb"))


def prepare_site(folder: Path) -> Path:
    """Write the served notebook and a kernelspec for this interpreter into ``folder``; return the notebook.

    Put ``folder`` first on ``JUPYTER_PATH`` so that Voilà finds the kernelspec.
    """
    notebook = json.loads(notebook_path().read_text(encoding="utf-8"))
    notebook["metadata"]["kernelspec"] = {"name": KERNEL_NAME, "display_name": "emoface blog", "language": "python"}
    served = folder / "blog.ipynb"
    served.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    spec_dir = folder / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "emoface blog", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return served


def voila_command(notebook: Path, port: int = DEFAULT_PORT, max_visitors: int = DEFAULT_MAX_VISITORS,
                  cull_after_s: int = DEFAULT_CULL_AFTER_S) -> list[str]:
    """The command line that serves ``notebook`` on ``127.0.0.1:port`` only, through
    :mod:`emoface.blog.voila_server` (Voilà with a visitor cap, idle culling and a Host check)."""
    return [sys.executable, "-m", "emoface.blog.voila_server", "--no-browser", f"--port={port}",
            "--BlogVoila.ip=127.0.0.1", "--BlogVoila.port_retries=0", f"--BlogVoila.max_visitors={max_visitors}",
            f"--BlogVoila.cull_after={cull_after_s}", str(notebook)]


def serve_environment(db: Path, site: Path) -> dict[str, str]:
    """This process's environment plus what the blog's kernel needs, every path absolute."""
    env = dict(os.environ)
    env[DB_ENV] = str(db)
    for name, default in ((RUNS_ENV, "runs"), (DATA_ENV, "data")):
        env[name] = str(Path(os.environ.get(name) or default).expanduser().resolve())
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(site), os.environ.get("JUPYTER_PATH", "")) if p)
    return env


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 60.0,
                  process: subprocess.Popen | None = None) -> None:
    """Return once something listens on ``host:port``; raise if ``process`` exits or time runs out.

    It only connects: a GET of the page would make Voilà start a kernel.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before it answered; "
                               "its messages are above")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.25)
    raise RuntimeError(f"nothing answered on {host}:{port} within {timeout:.0f} s")


def voila_installed() -> bool:
    return importlib.util.find_spec("voila") is not None


def serve(port: int = DEFAULT_PORT, db: str | os.PathLike | None = None, open_browser: bool = False,
          max_visitors: int | None = None, cull_after_s: int | None = None) -> int:
    """Serve the blog on ``http://127.0.0.1:port/`` until Ctrl+C (or SIGTERM); return Voilà's exit code.

    Each visitor's page runs a kernel of ~1.2 GB: ``max_visitors`` bounds them (size it to the memory);
    a kernel whose page was closed is shut down after ``cull_after_s`` idle seconds.
    """
    if not voila_installed():
        raise RuntimeError("Voilà is not installed; install it with: pip install 'emoface[serve]'")
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is not a TCP port; use one in 1024–65535, e.g. {DEFAULT_PORT}")
    max_visitors = DEFAULT_MAX_VISITORS if max_visitors is None else max_visitors
    cull_after_s = DEFAULT_CULL_AFTER_S if cull_after_s is None else cull_after_s
    if max_visitors < 1:
        raise ValueError(f"max_visitors must be at least 1 (each visitor's page needs a kernel), not {max_visitors}")
    if cull_after_s < 1:
        raise ValueError(f"cull_after_s must be at least 1 second, not {cull_after_s}")
    database = Path(db).expanduser().resolve() if db else default_db_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="emoface-serve-") as tmp:
        site = Path(tmp)
        command = voila_command(prepare_site(site), port, max_visitors, cull_after_s)
        print(f"emoface blog: {url} (database {database}); the first visit starts a kernel, give it "
              f"up to a minute; at most {max_visitors} visitors at once. {stop_hint()}", flush=True)
        process = subprocess.Popen(command, env=serve_environment(database, site), cwd=site)
        previous = _exit_on_sigterm()
        try:
            if open_browser:
                wait_for_port(port, process=process)
                webbrowser.open(url)
            return process.wait()
        finally:
            _stop(process)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def stop_hint() -> str:
    """How to stop the server, for its start message: Ctrl+C, unless this process ignores SIGINT.

    A command started as a script's background job (``emoface serve &`` without job control, under
    ``nohup`` from such a script) inherits SIGINT ignored, and like any program it keeps it so: a
    Ctrl+C meant for the script must not stop it. SIGTERM still stops it, kernels included.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return (f"It was started with Ctrl+C (SIGINT) ignored, as a script's background job is: "
                f"stop it with kill {os.getpid()} (SIGTERM).")
    return "Ctrl+C stops the server."


def _exit_on_sigterm() -> signal.Handlers | None:
    """Make SIGTERM unwind like Ctrl+C, so Voilà and its kernels are stopped too (main thread only)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, _exit)


def _stop(process: subprocess.Popen) -> None:
    """Ask Voilà to stop (on SIGTERM it shuts its kernels down), and kill it if it has not within 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
