"""Image grids and labelled figures, shared by the notebooks and the CLI.

Kept out of the lessons because three notebooks and ``emoface demo`` draw the same kind of
grid: rows of faces under column titles. matplotlib is imported lazily, with the ``Agg`` backend
when no display is present, so the CLI works on a headless server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .atomic import atomic_write


def mosaic(images: Sequence[np.ndarray], ncols: int, pad: int = 2, fill: int = 255) -> np.ndarray:
    """Tile equally sized ``H×W×3`` uint8 images row by row; empty cells stay ``fill``."""
    if not images:
        raise ValueError("no images to tile")
    height, width = images[0].shape[:2]
    nrows = -(-len(images) // ncols)
    canvas = np.full((nrows * (height + pad) + pad, ncols * (width + pad) + pad, 3), fill, dtype=np.uint8)
    for k, image in enumerate(images):
        if image.shape[:2] != (height, width):
            raise ValueError(f"image {k} is {image.shape[:2]}, the first is {(height, width)}: resize them first")
        r, c = divmod(k, ncols)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        canvas[top : top + height, left : left + width] = image if image.ndim == 3 else image[:, :, None]
    return canvas


def labelled_grid(rows: Sequence[Sequence[np.ndarray]], col_titles: Sequence[str], row_titles: Sequence[str] = (),
                  cell_inches: float = 1.3, title: str = ""):
    """A matplotlib figure: one row per list of images, titles over the columns and left of the rows."""
    import matplotlib.pyplot as plt

    nrows, ncols = len(rows), max(len(r) for r in rows)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_inches * ncols, cell_inches * nrows + 0.4), squeeze=False)
    for r, row in enumerate(rows):
        for c in range(ncols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if c < len(row):
                ax.imshow(row[c])
            if r == 0 and c < len(col_titles):
                ax.set_title(col_titles[c], fontsize=9)
            if c == 0 and r < len(row_titles):
                ax.set_ylabel(row_titles[r], fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | Path, dpi: int = 110) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    target = atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=dpi))
    plt.close(fig)
    return target
