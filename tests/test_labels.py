import pytest

from emoface import labels


def test_mug_expressions_are_seven_and_sorted():
    assert len(labels.FACE_EXPRESSIONS) == 7
    assert list(labels.FACE_EXPRESSIONS) == sorted(labels.FACE_EXPRESSIONS)


def test_every_text_emotion_maps_to_a_face_and_every_face_is_reachable():
    assert set(labels.TEXT_TO_FACE) == set(labels.TEXT_EMOTIONS)
    assert set(labels.TEXT_TO_FACE.values()) == set(labels.FACE_EXPRESSIONS)


def test_isear_labels_are_the_papers_and_shame_guilt_become_sadness():
    assert set(labels.ISEAR_EMOTIONS) == {"joy", "fear", "anger", "sadness", "disgust", "shame", "guilt"}
    assert labels.to_expression("shame") == "sadness"
    assert labels.to_expression("guilt") == "sadness"
    assert labels.to_expression("joy") == "happiness"


def test_mapping_is_read_only():
    with pytest.raises(TypeError):
        labels.TEXT_TO_FACE["joy"] = "anger"  # type: ignore[index]


def test_unknown_names_raise_with_the_choices():
    with pytest.raises(ValueError, match="happiness"):
        labels.expression_index("happy")
    with pytest.raises(ValueError, match="guilt"):
        labels.to_expression("boredom")
    assert labels.expression_index("surprise") == 6
