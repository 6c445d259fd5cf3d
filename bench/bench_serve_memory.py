"""Memory of ``emoface serve`` under page loads: kernels start, are capped, and are culled back to baseline.

    .venv/bin/python bench/bench_serve_memory.py [--loads 20] [--max-visitors 4] [--cull-after 60]

Starts the server on a free port with a fresh database, then loads the page ``--loads`` times one after
another (a plain GET, as a closed tab or a crawler leaves it: the notebook runs, no websocket stays),
then waits. Prints a table: after each load, the HTTP status, the kernels running and the memory (RSS)
of the server and its kernels together; then the same every 15 s until the kernels are gone. Memory
is summed over the server's process tree (/proc, Linux only).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def tree_memory(root: int) -> tuple[int, float]:
    """(kernel processes, RSS in GB) of ``root`` and every process below it (kernels run in sessions
    of their own, so the process tree, not the session, is what belongs to the server)."""
    parents, rss, kernel = {}, {}, set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()  # state, ppid, ...
            pid = int(entry.name)
            parents[pid] = int(stat[1])
            rss[pid] = int((entry / "statm").read_text().split()[1])
            if b"ipykernel_launcher" in (entry / "cmdline").read_bytes():
                kernel.add(pid)
        except (OSError, IndexError, ValueError):
            continue

    def below(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 1)
        return False

    mine = [pid for pid in rss if below(pid)]
    return len(kernel.intersection(mine)), sum(rss[pid] for pid in mine) * os.sysconf("SC_PAGE_SIZE") / 1e9


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def load(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--max-visitors", type=int, default=4)
    parser.add_argument("--cull-after", type=int, default=60)
    parser.add_argument("--wait", type=int, default=240, help="seconds to watch after the last load")
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-m", "emoface.cli", "serve", "--port", str(port), "--db", f"{folder}/blog.sqlite",
             "--max-visitors", str(args.max_visitors), "--cull-after", str(args.cull_after)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "EMOFACE_RUNS": folder})
        try:
            deadline = time.monotonic() + 120
            while not listening(port):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.5)
            start = time.monotonic()
            kernels, gb = tree_memory(server.pid)
            print(f"max visitors {args.max_visitors}, cull after {args.cull_after} s; CPU cores {os.cpu_count()}\n")
            print("| t (s) | event | HTTP | kernels | server + kernels RSS (GB) |\n|---:|---|---:|---:|---:|")
            print(f"| 0 | baseline | | {kernels} | {gb:.2f} |", flush=True)
            for k in range(args.loads):
                status = load(f"http://127.0.0.1:{port}/")
                kernels, gb = tree_memory(server.pid)
                print(f"| {time.monotonic() - start:.0f} | load {k + 1} | {status} | {kernels} | {gb:.2f} |", flush=True)
            stop = time.monotonic() + args.wait
            while time.monotonic() < stop:
                time.sleep(15)
                kernels, gb = tree_memory(server.pid)
                print(f"| {time.monotonic() - start:.0f} | waiting | | {kernels} | {gb:.2f} |", flush=True)
                if kernels == 0:
                    break
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
