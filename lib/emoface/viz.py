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
                  cell_inches: float = 1.3, title: str = "", captions: Sequence[Sequence[str]] = ()):
    """A matplotlib figure: one row per list of images, titles over the columns and left of the rows.

    ``captions`` (one list per row, one string per image) are written under each image: a verdict
    per image reads there, where a long row title would overlap its neighbours (lesson 06).
    """
    import matplotlib.pyplot as plt

    nrows, ncols = len(rows), max(len(r) for r in rows)
    if captions and [len(c) for c in captions] != [len(r) for r in rows]:
        raise ValueError(f"captions must give one string per image: rows have {[len(r) for r in rows]} images, "
                         f"captions {[len(c) for c in captions]}")
    caption_inches = 0.25 if captions else 0.0  # a line of text under each row of images
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_inches * ncols, (cell_inches + caption_inches) * nrows + 0.4),
                             squeeze=False)
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
            if captions and c < len(row):
                ax.set_xlabel(captions[r][c], fontsize=7, labelpad=2)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | Path, dpi: int = 110, show: bool | None = None) -> Path:
    """Save a matplotlib figure as PNG atomically, show it in a notebook, and close it.

    Closing keeps a long lesson from piling up open figures; but a closed figure is one the notebook
    no longer draws at the end of the cell, so in a Jupyter kernel it is displayed first (``show``
    overrides the guess).
    """
    import matplotlib.pyplot as plt

    target = atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=dpi))
    if _in_notebook() if show is None else show:
        from IPython.display import display

        display(fig)
    plt.close(fig)
    return target


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where figures are shown inline)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def draw_box(rgb: np.ndarray, box: tuple[int, int, int, int], color: tuple[int, int, int] = (40, 220, 40),
             thickness: int | None = None) -> np.ndarray:
    """A copy of ``rgb`` with ``box`` (x, y, w, h) outlined: the paper's Fig. 2 (a)."""
    import cv2

    out = rgb.copy()
    x, y, w, h = box
    thickness = thickness or max(2, round(max(rgb.shape[:2]) / 200))
    cv2.rectangle(out, (x, y), (x + w, y + h), color, thickness, lineType=cv2.LINE_AA)
    return out


def equalization_figure(images: dict[str, np.ndarray], cell_inches: float = 2.6):
    """Each image above its histograms (R, G, B and luminance): the paper's Fig. 3, for any number of variants."""
    import matplotlib.pyplot as plt

    from .faces.equalize import histograms

    colours = {"red": "tab:red", "green": "tab:green", "blue": "tab:blue", "luminance": "black"}
    fig, axes = plt.subplots(2, len(images), figsize=(cell_inches * len(images), cell_inches * 1.8), squeeze=False)
    for column, (title, image) in enumerate(images.items()):
        axes[0][column].imshow(image)
        axes[0][column].set_title(title, fontsize=9)
        axes[0][column].axis("off")
        for name, counts in histograms(image).items():
            axes[1][column].plot(counts / counts.sum(), color=colours[name], lw=1.2 if name == "luminance" else 0.8,
                                 label=name)
        axes[1][column].set_xlim(0, 255)
        axes[1][column].set_yticks([])
        axes[1][column].set_xlabel("level", fontsize=8)
    axes[1][0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def bar_counts(counts: dict[str, dict[str, int]], title: str = "", ylabel: str = "images"):
    """Grouped bars: ``{group: {class: count}}`` — class balance of a data set's splits."""
    import matplotlib.pyplot as plt

    classes = sorted({c for group in counts.values() for c in group})
    fig, ax = plt.subplots(figsize=(max(5.0, 0.8 * len(classes) * max(1, len(counts))), 3.0))
    width = 0.8 / max(1, len(counts))
    for g, (group, values) in enumerate(counts.items()):
        xs = np.arange(len(classes)) + g * width
        ax.bar(xs, [values.get(c, 0) for c in classes], width=width, label=group)
    ax.set_xticks(np.arange(len(classes)) + width * (len(counts) - 1) / 2, classes, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if len(counts) > 1:
        ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def confusion_figure(confusion: np.ndarray, labels: Sequence[str], title: str = ""):
    """A confusion matrix as a heat map, rows normalised to recall, with the counts written in."""
    import matplotlib.pyplot as plt

    counts = np.asarray(confusion)
    recall = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(0.55 * len(labels) + 2.2, 0.55 * len(labels) + 1.6))
    ax.imshow(recall, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if recall[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


#: The paper's Fig. 1, as boxes: (label, emoface module) in the order the data flows.
PIPELINE_STAGES: tuple[tuple[str, str], ...] = (
    ("post text", "blog.app"),
    ("emotion\n(GloVe + LSTM)", "text.classify"),
    ("face expression", "labels.to_expression"),
    ("profile photo", "blog.store"),
    ("Haar crop +\nequalisation", "faces.detect / equalize"),
    ("StarGAN G(x, c)", "stargan.editing"),
    ("paste back", "faces.paste"),
    ("post with the\nredrawn photo", "blog.app"),
)


def pipeline_diagram():
    """The paper's Fig. 1 as a diagram: the text branch on top, the photo branch below, meeting at G.

    Each box names the emoface module that does the step, so the figure doubles as a map of the code.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    # (x, y) of each stage's box centre: text branch on the top row, photo branch on the bottom row.
    places = [(0.7, 2), (2.4, 2), (4.1, 2), (0.7, 0.6), (2.4, 0.6), (5.8, 0.6), (7.5, 0.6), (9.2, 0.6)]
    colours = ["#dbe9f6"] * 3 + ["#fde2cf"] * 2 + ["#e3f1dc"] * 3
    fig, ax = plt.subplots(figsize=(11, 3.2))
    for (label, module), (x, y), colour in zip(PIPELINE_STAGES, places, colours):
        ax.add_patch(FancyBboxPatch((x - 0.72, y - 0.38), 1.44, 0.76, boxstyle="round,pad=0.04", fc=colour, ec="0.3"))
        ax.text(x, y + 0.08, label, ha="center", va="center", fontsize=9)
        ax.text(x, y - 0.28, module, ha="center", va="center", fontsize=6.5, color="0.35", family="monospace")
    arrows = [(0, 1), (1, 2), (2, 5), (3, 4), (4, 5), (5, 6), (6, 7)]
    for a, b in arrows:
        (xa, ya), (xb, yb) = places[a], places[b]
        start = (xa + 0.74, ya) if ya == yb else (xa + 0.74, ya - 0.1)
        end = (xb - 0.74, yb) if ya == yb else (xb - 0.3, yb + 0.4)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "0.25", "lw": 1.2})
    ax.text(4.95, 1.55, "target domain c", fontsize=8, color="0.3", rotation=-33)
    ax.set_xlim(-0.2, 10.1)
    ax.set_ylim(0, 2.6)
    ax.axis("off")
    ax.set_title("Fig. 1 — text → emotion → expression; photo → face → StarGAN → pasted back", fontsize=10)
    fig.tight_layout()
    return fig
