from emoface.text.corpora import Corpus, load_bundled
from emoface.text.experiments import markdown, table2
from emoface.text.glove import shipped_glove
from emoface.text.train import TextTrainConfig


def test_table2_rows_have_means_and_spreads():
    posts = load_bundled()
    keep = [i for i, s in enumerate(posts.splits) if i % 4 == 0]  # a quarter of the posts: seconds
    small = Corpus("quarter", tuple(posts.texts[i] for i in keep), tuple(posts.labels[i] for i in keep),
                   posts.label_set, tuple(posts.splits[i] for i in keep))
    rows = table2(small, shipped_glove(), seeds=(0, 1), config=TextTrainConfig(hidden=16, epochs=1), progress=False)
    assert [r["model"] for r in rows] == ["rnn", "lstm", "tfidf"]
    assert rows[0]["runs"] == 2 and rows[2]["runs"] == 1
    assert all(0 <= r["test_acc"] <= 1 and r["test_acc_std"] >= 0 for r in rows)
    assert rows[0]["confusion"].sum() == 2 * rows[0]["n_test"]
    table = markdown(rows)
    assert table.count("\n") == 4 and "± " in table
