import numpy as np
import pytest

from emoface.viz import labelled_grid, mosaic, save_figure


def test_mosaic_places_tiles_and_pads():
    tiles = [np.full((4, 5, 3), v, np.uint8) for v in (10, 20, 30)]
    canvas = mosaic(tiles, ncols=2, pad=1)
    assert canvas.shape == (2 * 5 + 1, 2 * 6 + 1, 3)
    assert canvas[1, 1, 0] == 10 and canvas[1, 7, 0] == 20 and canvas[6, 1, 0] == 30
    assert canvas[6, 7, 0] == 255  # the empty cell


def test_mosaic_refuses_mixed_sizes():
    with pytest.raises(ValueError, match="resize"):
        mosaic([np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4, 3), np.uint8)], ncols=2)


def test_labelled_grid_saves_a_png(tmp_path):
    fig = labelled_grid([[np.zeros((8, 8, 3), np.uint8)] * 2], ["a", "b"], ["row"])
    path = save_figure(fig, tmp_path / "g.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_saved_figure_is_shown_in_a_notebook_and_closed(tmp_path, monkeypatch):
    import IPython.display
    import matplotlib.pyplot as plt

    from emoface import viz

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda fig: shown.append(fig))
    fig = labelled_grid([[np.zeros((8, 8, 3), np.uint8)]], ["a"])
    save_figure(fig, tmp_path / "script.png")  # not a notebook kernel: saved, closed, not shown
    assert shown == [] and not plt.fignum_exists(fig.number)
    monkeypatch.setattr(viz, "_in_notebook", lambda: True)
    fig = labelled_grid([[np.zeros((8, 8, 3), np.uint8)]], ["a"])
    save_figure(fig, tmp_path / "lesson.png")
    assert shown == [fig] and not plt.fignum_exists(fig.number) and (tmp_path / "lesson.png").is_file()
