"""``labelled_grid(captions=…)``: a text under each image (lesson 06's judge verdicts), readable."""

import numpy as np
import pytest

from emoface.labels import FACE_EXPRESSIONS
from emoface.viz import labelled_grid


def test_each_caption_sits_under_its_own_image_and_none_overlap():
    import matplotlib.pyplot as plt

    rows = [[np.zeros((16, 16, 3), np.uint8)] * 8 for _ in range(2)]
    captions = [["happiness"] * 8, ["surprise ✓", *FACE_EXPRESSIONS]]
    fig = labelled_grid(rows, ["original", *FACE_EXPRESSIONS], ["warp", "stargan"], cell_inches=1.5, captions=captions)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    for r, row_axes in enumerate(np.asarray(fig.axes).reshape(2, 8)):
        for c, ax in enumerate(row_axes):
            label = ax.xaxis.label
            assert label.get_text() == captions[r][c]
            box, image = label.get_window_extent(renderer), ax.get_window_extent(renderer)
            assert box.y1 <= image.y0 + 1 and image.x0 - 1 <= (box.x0 + box.x1) / 2 <= image.x1 + 1
            boxes.append(box)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # Nor does a caption run under the next row's images (it did, before the rows got their text line).
    images = [ax.get_window_extent(renderer) for ax in fig.axes]
    assert not [(k, j) for k, box in enumerate(boxes) for j, image in enumerate(images) if j != k and box.overlaps(image)]
    # The row titles stay short and do not reach into the next row.
    for ax in fig.axes[::8]:
        assert ax.yaxis.label.get_window_extent(renderer).height <= ax.get_window_extent(renderer).height
    plt.close(fig)


def test_captions_must_match_the_images():
    with pytest.raises(ValueError, match="one string per image"):
        labelled_grid([[np.zeros((4, 4, 3), np.uint8)] * 2], ["a", "b"], captions=[["only one"]])
