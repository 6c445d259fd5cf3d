"""A session's time budget for long data work, and the one exception that says it ran out.

A Colab session ends after a few hours whatever the code is doing. The long builds of the ``full``
profile — drawing 2,000 SynthFaces people into a MUG-shaped tree, cropping them into tunedMUG,
drawing the scenes of lesson 04's ablation — keep every finished item on disk (Google Drive on
Colab), so they can stop anywhere and continue later. A :class:`Budget` makes them stop *cleanly*
before Colab does: each build checks it after every finished item, stops (its process pool
cancelled, see :func:`emoface.parallel.ordered_map`), and raises :class:`BudgetSpent`, whose message
says what was done, where it is kept and what to do next. A build that stops never returns a partial
data set, so nothing trains on one by accident.

Each build makes progress before it looks at the budget, so a budget of 0 minutes still does one
item per call, and calling again always ends.

Used by lessons 01, 02 and 04 (``DATA_MINUTES``, ``ABLATION_MINUTES``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


class BudgetSpent(RuntimeError):
    """A build stopped at its time budget; what it finished is kept, and calling it again continues."""


@dataclass(frozen=True)
class Budget:
    """``minutes`` from ``start`` (``time.monotonic()``); ``None``: no limit."""

    minutes: float | None
    start: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, minutes: float | Budget | None) -> Budget:
        """``minutes`` as a budget starting now; a :class:`Budget` is passed on, so nested builds share it."""
        return minutes if isinstance(minutes, Budget) else cls(minutes)

    def left(self) -> float | None:
        """Minutes left (negative once spent), or None without a limit."""
        return None if self.minutes is None else self.minutes - (time.monotonic() - self.start) / 60.0

    def spent(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def stopped(self, done: str, kept: str) -> BudgetSpent:
        """The exception to raise: what was ``done`` ("drew 812 of 2,000 SynthFaces people") and where it
        is ``kept`` ("the frames are kept in …")."""
        return BudgetSpent(f"{done} within the {self.minutes:g}-minute budget; {kept} — run this again, "
                           "in this session or a later one, to continue")
