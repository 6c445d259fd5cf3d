import numpy as np
import pytest

from emoface.text.glove import GloVe, UnknownWordMapper, embedding_matrix, shipped_glove
from emoface.text.preprocess import Vocabulary


def test_the_shipped_vectors_are_stanfords():
    glove = shipped_glove()
    assert glove.vectors.shape == (400_000, 50)
    assert np.allclose(glove.vector("the")[:3], [0.418, 0.24968, -0.41242])
    assert "furious" in [w for w, _ in glove.nearest("angry", 5)]


def test_text_file_loader(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("a 1 0\nb 0 1\nc 0.9 0.1\n")
    glove = GloVe.from_text(path)
    assert glove.dim == 2 and glove.nearest("a", 1) == [("c", pytest.approx(0.9939, abs=1e-3))]
    (tmp_path / "bad.txt").write_text("a 1 2\nb 1\n")
    with pytest.raises(ValueError, match="not a GloVe text file"):
        GloVe.from_text(tmp_path / "bad.txt")


def test_embedding_matrix_uses_glove_rows_and_a_zero_pad():
    glove = GloVe(["happy", "sad"], np.array([[1, 0], [0, 1]], np.float32))
    vocab = Vocabulary(["<pad>", "<unk>", "sad", "zzz"])
    matrix, coverage = embedding_matrix(vocab, glove)
    assert matrix.shape == (4, 2) and (matrix[0] == 0).all() and (matrix[2] == [0, 1]).all()
    assert coverage == 0.5


def test_unknown_words_map_to_the_nearest_known_word():
    glove = shipped_glove()
    vocab = Vocabulary(["<pad>", "<unk>", "angry", "happy", "table"])
    mapper = UnknownWordMapper(vocab, glove)
    assert mapper("furious") == "angry" and mapper("joyful") == "happy" and mapper("happy") == "happy"
    assert mapper("qwzxv") is None
    assert mapper.map_tokens(["so", "furious"])[1] == "angry"
