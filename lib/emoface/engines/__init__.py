"""Face-edit engines: one module per engine, behind the small interface of :mod:`emoface.engines.base`.

* ``stargan`` (:mod:`emoface.engines.stargan`): the paper's generator redraws a Haar crop of the face;
* ``warp`` (:mod:`emoface.engines.warp`): the real-photo engine — the photo's own pixels moved by
  the expression's action units, the mouth reshaped and repainted, the creases shaded. A package:
  the engine in its ``__init__``, its parts beside it (``action_units``, ``pixels``, ``mouth``,
  ``creases``).

:class:`emoface.pipeline.Pipeline` finds the faces once, picks an engine (``auto``: by what the
generator was trained on, :func:`~emoface.engines.base.auto_rule`) and calls it. Adding an
engine is one new module (or package) with a ``create(context)`` function and one line in
:data:`ENGINE_MODULES`.
"""

from .base import ENGINE_MODULES, EditEngine, EngineContext, EngineEdit, auto_rule, create_engine

__all__ = ["ENGINE_MODULES", "EditEngine", "EngineContext", "EngineEdit", "auto_rule", "create_engine"]
