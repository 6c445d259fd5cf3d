"""Spread independent per-image work over the CPU cores, in order, with a progress bar.

Drawing SynthFaces scenes and running the Haar cascade are pure functions of their inputs, so a
build over thousands of frames parallelises perfectly. Results come back in input order, so
whatever the main process does with them (a journal, a manifest) is the same for any number of
workers. Workers are *spawned*, not forked: forking a Jupyter kernel or a process that has started
PyTorch's threads can deadlock. With a :class:`~emoface.budget.Budget` it stops early, queued work
cancelled, once the budget is spent.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator, Sequence, TypeVar

from tqdm.auto import tqdm

from .budget import Budget

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_workers() -> int:
    """The cores this process may use (``$EMOFACE_WORKERS`` overrides), at most 8."""
    if os.environ.get("EMOFACE_WORKERS"):
        return max(1, int(os.environ["EMOFACE_WORKERS"]))
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(8, available))


def ordered_map(
    fn: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int | None = None,
    desc: str = "",
    unit: str = "it",
    progress: bool = True,
    budget: Budget | None = None,
) -> Iterator[Result]:
    """Yield ``fn(item)`` for each item, in order. ``fn`` must be a module-level function.

    With one worker (or few items) it runs in this process, which keeps tracebacks simple and lets
    tests patch ``fn``. With a ``budget``, it stops after the first result that finds it spent (at
    least one result, whatever the budget): the caller counts the results to know where it stopped.
    Items already running in workers are finished, queued ones cancelled.
    """
    workers = default_workers() if workers is None else max(1, workers)
    bar = tqdm(total=len(items), desc=desc, unit=unit, disable=not progress)
    try:
        if workers == 1 or len(items) < 2 * workers:
            for item in items:
                yield fn(item)
                bar.update()
                if budget is not None and budget.spent():
                    return
            return
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_worker)
        try:
            chunk = max(1, min(8, len(items) // (8 * workers)))  # small chunks keep the progress bar honest
            for result in pool.map(fn, items, chunksize=chunk):
                yield result
                bar.update()
                if budget is not None and budget.spent():
                    return
        finally:
            # On an interruption or a spent budget, drop the queued work instead of finishing it first.
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()


def _quiet_worker() -> None:
    # One OpenCV thread per worker process: the processes already fill the cores.
    import cv2

    cv2.setNumThreads(1)
