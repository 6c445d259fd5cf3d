import math

import pytest

from emoface.parallel import default_workers, ordered_map


def test_results_come_back_in_order_whatever_the_workers():
    items = list(range(40))
    assert list(ordered_map(math.sqrt, items, workers=2, progress=False)) == [math.sqrt(i) for i in items]
    assert list(ordered_map(math.sqrt, items, workers=1, progress=False)) == [math.sqrt(i) for i in items]


def test_errors_in_workers_reach_the_caller():
    with pytest.raises(ValueError):
        list(ordered_map(math.sqrt, [4.0] * 10 + [-1.0] + [4.0] * 10, workers=2, progress=False))


def test_worker_count_can_be_set(monkeypatch):
    monkeypatch.setenv("EMOFACE_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.delenv("EMOFACE_WORKERS")
    assert 1 <= default_workers() <= 8
