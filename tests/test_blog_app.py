"""The blog's logic (emoface.blog.app) with a real store and a real pipeline, no browser.

The browser end of it (Voilà + Chromium) is tests/test_serve_browser.py.
"""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest

from emoface.blog.app import (PICTURE_MAX_SIDE, PROFILE_MAX_SIDE, BlogApp, data_uri, emotion_line,
                              uploaded_files)
from emoface.blog.store import BlogStore, Post
from emoface.images import load_rgb, sample_photo_path, shrink_rgb

SAD = "My best friend died yesterday and I cannot stop crying."
PASSWORD = "correct horse battery"


def _png(rgb: np.ndarray) -> bytes:
    return cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()


@pytest.fixture(scope="module")
def pipeline():
    from emoface.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="module")
def grace_bytes() -> bytes:
    return sample_photo_path().read_bytes()


@pytest.fixture(scope="module")
def synth_scene() -> np.ndarray:
    """A drawn scene with one SynthFaces face (an identity held out of training), 640×480."""
    from emoface.datasets.synth import draw_scene, random_identity

    return draw_scene(random_identity(np.random.default_rng([0, 1_000_001])), "neutral", rng=np.random.default_rng(1))[0]


@pytest.fixture
def app(tmp_path, pipeline) -> BlogApp:
    return BlogApp(BlogStore(tmp_path / "blog.sqlite"), pipeline)


@pytest.fixture
def alice(app, synth_scene) -> BlogApp:
    """``app`` with alice signed up and her SynthFaces photo uploaded."""
    assert app.sign_up("alice", PASSWORD) is not None
    assert app.upload_photo(_png(synth_scene)), app.message
    return app


def _error(app: BlogApp, *words: str) -> None:
    assert app.message_kind == "error", app.message
    for word in words:
        assert word in app.message.lower(), app.message
    assert "emoface-message-error" in app.status.value


# --- uploads from ipywidgets 7 and 8 ------------------------------------------------------------

def test_uploaded_files_reads_the_ipywidgets_7_dict():
    value = {"me.png": {"metadata": {"name": "me.png", "type": "image/png", "size": 3, "lastModified": 1},
                        "content": b"abc"}}
    assert uploaded_files(value) == [("me.png", b"abc")]


def test_uploaded_files_reads_the_ipywidgets_8_tuple():
    value = ({"name": "me.jpg", "type": "image/jpeg", "size": 3, "content": memoryview(b"xyz"),
              "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},)
    files = uploaded_files(value)
    assert files == [("me.jpg", b"xyz")] and type(files[0][1]) is bytes


@pytest.mark.parametrize("empty", [None, {}, (), []])
def test_uploaded_files_of_nothing_is_empty(empty):
    assert uploaded_files(empty) == []


def test_uploaded_files_refuses_other_shapes():
    with pytest.raises(TypeError, match="ipywidgets 7"):
        uploaded_files(42)


# --- accounts ------------------------------------------------------------------------------------

def test_sign_up_logs_in_and_shows_the_member_view(app):
    assert app.member.layout.display == "none" and app.auth.layout.display != "none"
    user = app.sign_up("alice", PASSWORD)
    assert user is not None and app.user == user and app.message_kind == "info"
    assert app.auth.layout.display == "none" and app.member.layout.display != "none"
    assert "alice" in app.whoami.value and "No profile photo yet" in app.profile.value


def test_duplicate_user_is_a_message_and_stores_nothing(app):
    app.sign_up("alice", PASSWORD)
    app.log_out()
    assert app.sign_up("ALICE", "another password") is None
    _error(app, "taken")
    assert app.user is None
    assert app.log_in("alice", PASSWORD) is not None  # the first alice is intact


def test_wrong_password_is_a_message(app):
    app.sign_up("alice", PASSWORD)
    app.log_out()
    assert app.log_in("alice", "wrong password!") is None
    _error(app, "wrong username or password")
    assert app.user is None and app.member.layout.display == "none"
    assert app.log_in("alice", PASSWORD).username == "alice" and app.message_kind == "info"


def test_store_messages_are_escaped_in_the_status(app):
    assert app.sign_up("<b>x</b>", PASSWORD) is None
    _error(app, "username")
    assert "<b>" not in app.status.value and "&lt;b&gt;" in app.status.value


def test_actions_need_a_login(app, grace_bytes):
    assert not app.upload_photo(grace_bytes)
    _error(app, "log in")
    assert app.post(SAD) is None
    _error(app, "log in")


# --- profile photos ------------------------------------------------------------------------------

def test_upload_that_is_not_an_image_is_refused(app):
    app.sign_up("alice", PASSWORD)
    assert not app.upload_photo(b"%PDF-1.4 this is a document, not a photo")
    _error(app, "not an image")
    assert app.store.profile_photo(app.user.id) is None


def test_a_photo_over_the_stated_limit_is_refused_in_words_and_the_old_one_kept(alice, synth_scene, monkeypatch):
    from emoface.blog import app as app_module

    assert f"up to {app_module.UPLOAD_LIMIT_BYTES // 2**20} MB" in alice.upload_label.value  # the page states it
    before = alice.store.profile_photo(alice.user.id)
    photo = _png(synth_scene)
    monkeypatch.setattr(app_module, "UPLOAD_LIMIT_BYTES", len(photo) - 1)
    assert not alice.upload_photo(photo)
    _error(alice, "limit", "smaller")
    assert alice.store.profile_photo(alice.user.id) == before


def test_photo_without_a_face_is_refused(app):
    app.sign_up("alice", PASSWORD)
    wall = np.dstack([np.tile(np.linspace(0, 255, 400, dtype=np.uint8), (300, 1))] * 3)
    assert not app.upload_photo(_png(wall))
    _error(app, "no face")
    assert app.store.profile_photo(app.user.id) is None


def test_a_real_photo_is_stored_and_shown(app, grace_bytes):
    app.sign_up("alice", PASSWORD)
    assert app.upload_photo(grace_bytes), app.message
    stored = load_rgb(app.store.profile_photo(app.user.id))
    assert stored.shape == load_rgb(grace_bytes).shape  # 512×600: small enough to keep its size
    assert 'class="emoface-profile-photo"' in app.profile.value and "data:image/jpeg;base64," in app.profile.value


def test_a_huge_photo_is_shrunk_before_it_is_stored(app, grace_bytes):
    app.sign_up("alice", PASSWORD)
    big = cv2.resize(load_rgb(grace_bytes), (2048, 2400), interpolation=cv2.INTER_CUBIC)
    assert app.upload_photo(_png(big)), app.message
    assert max(load_rgb(app.store.profile_photo(app.user.id)).shape[:2]) == PROFILE_MAX_SIDE


# --- posts ---------------------------------------------------------------------------------------

def test_posting_without_a_profile_photo_is_refused(app):
    app.sign_up("alice", PASSWORD)
    assert app.post(SAD) is None
    _error(app, "profile photo first")
    assert app.store.posts() == []


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_an_empty_post_is_refused(alice, text):
    assert alice.post(text) is None
    _error(alice, "empty")
    assert alice.store.posts() == []


def test_a_sad_post_redraws_the_profile_photo_sad(alice, synth_scene):
    post = alice.post(SAD)
    assert post is not None, alice.message
    assert (post.emotion, post.expression) == ("sadness", "sadness")
    assert alice.message_kind == "info" and "sadness" in alice.message
    picture = load_rgb(alice.store.post_picture(post.id))
    assert max(picture.shape[:2]) == PICTURE_MAX_SIDE
    before = shrink_rgb(synth_scene, PICTURE_MAX_SIDE).astype(int)
    change = np.abs(picture.astype(int) - before).mean(axis=2)
    assert change.max() > 30  # the face moved...
    assert np.median(change) < 3  # ...the rest of the photo did not
    html = alice.feed_html()
    assert 'data-emotion="sadness"' in html and SAD in html and "alice" in html
    assert html.count('class="emoface-picture"') == 1
    assert 'class="emoface-current-face"' in alice.profile.value  # Fig. 7: the profile shows the new face


def test_a_real_profile_photo_is_edited_by_the_warp_engine(app, grace_bytes):
    from emoface.faces.landmarks import landmarks_available

    if not landmarks_available():
        pytest.skip("needs emoface[real]")
    assert app.sign_up("grace", PASSWORD) is not None and app.upload_photo(grace_bytes), app.message
    post = app.post(SAD)
    assert post is not None and post.expression == "sadness", app.message
    assert "warp engine" in app.message and "Warning" not in app.message  # said in the page, not a drawn face
    picture = load_rgb(app.store.post_picture(post.id))
    before = shrink_rgb(load_rgb(grace_bytes), PICTURE_MAX_SIDE)
    assert picture.shape == before.shape
    change = np.abs(picture.astype(int) - before.astype(int)).mean(axis=2)
    assert change.max() > 30 and np.median(change) < 3  # the face moved, the rest (up to JPEG) did not


def test_post_text_is_escaped(alice):
    script = "<script>alert(1)</script> I am so happy today, what a wonderful morning!"
    image = '<img src=x onerror="alert(2)"> "quotes" & ampersands'
    assert alice.post(script) is not None and alice.post(image) is not None
    html = alice.feed_html()
    assert "<script" not in html and "<img src=x" not in html and "onerror=\"alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &quot;quotes&quot; &amp; ampersands" in html
    assert alice.store.posts()[0].text == image  # the store keeps the raw text


def test_the_feed_is_newest_first_and_survives_a_new_session(alice, pipeline):
    alice.post(SAD)
    alice.post("We won the championship, I am so proud and happy!")
    again = BlogApp(BlogStore(alice.store.path), pipeline)
    html = again.feed_html()
    assert html.index("championship") < html.index("best friend")
    assert len(again.feed.children) == 2


def test_refresh_shows_another_visitors_posts(alice, pipeline):
    visitor = BlogApp(BlogStore(alice.store.path), pipeline)  # another browser tab: another kernel
    assert "No posts yet" in visitor.feed.children[0].value
    alice.post(SAD)
    visitor.refresh_button.click()
    assert len(visitor.feed.children) == 1 and len(visitor.feed.children[0].children) == 1  # not theirs


# --- ownership -----------------------------------------------------------------------------------

def _delete_buttons(app: BlogApp) -> dict[int, bool]:
    """post id → whether its row in the feed has a delete button."""
    posts = app.store.posts(limit=app.feed_limit)
    return {post.id: len(row.children) == 2 for post, row in zip(posts, app.feed.children)}


def test_only_the_author_can_delete_a_post(alice, synth_scene):
    post = alice.post(SAD)
    alice.log_out()
    assert _delete_buttons(alice) == {post.id: False}  # nobody logged in: no delete buttons
    alice.sign_up("bob", PASSWORD)
    assert _delete_buttons(alice) == {post.id: False}
    assert not alice.delete_post(post.id)  # a forged call: the store refuses too
    _error(alice, "only your own")
    assert [p.id for p in alice.store.posts()] == [post.id]
    alice.log_out()
    alice.log_in("alice", PASSWORD)
    assert _delete_buttons(alice) == {post.id: True}
    assert alice.delete_post(post.id) and alice.store.posts() == []
    assert "No posts yet" in alice.feed.children[0].value


def test_a_user_changes_only_their_own_photo(alice, grace_bytes):
    alices_photo = alice.store.profile_photo(alice.user.id)
    alice.log_out()
    bob = alice.sign_up("bob", PASSWORD)
    assert alice.upload_photo(grace_bytes)
    assert alice.store.profile_photo(bob.id) != alices_photo
    assert alice.store.profile_photo(1) == alices_photo


# --- the widgets ---------------------------------------------------------------------------------

def _choose_file(upload, name: str, content: bytes) -> None:
    """What the browser does to a FileUpload when a file is chosen, in ipywidgets 8 or 7."""
    import ipywidgets

    if ipywidgets.__version__.startswith("7."):  # the front end sends metadata and data, then bumps a counter
        upload.metadata = [{"name": name, "type": "image/png", "size": len(content), "lastModified": 0}]
        upload.data = [content]
        upload._counter += 1
    else:
        upload.value = ({"name": name, "type": "image/png", "size": len(content), "content": memoryview(content),
                         "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},)


def test_the_widgets_drive_the_same_actions(app, synth_scene):
    assert "emoface-blog" in app.widget._dom_classes
    app.username.value, app.password.value = "carol", PASSWORD
    app.sign_up_button.click()
    assert app.user is not None and app.user.username == "carol" and app.password.value == ""
    upload = app.upload_slot.children[0]
    assert upload.accept == "image/*" and "emoface-upload" in upload._dom_classes
    _choose_file(upload, "me.png", _png(synth_scene))
    assert app.message_kind == "info" and "Profile photo saved" in app.message
    assert app.upload_slot.children[0] is not upload  # a fresh one: the same file can be chosen again
    app.text.value = SAD
    app.post_button.click()
    assert app.text.value == "" and not app.post_button.disabled
    assert app.store.posts()[0].emotion == "sadness"
    row = app.feed.children[0]
    assert "emoface-post" in row._dom_classes and "emoface-delete" in row.children[1]._dom_classes
    row.children[1].click()
    assert app.store.posts() == []
    app.log_out_button.click()
    assert app.user is None


def test_an_ipywidgets_7_upload_reaches_the_store(app, grace_bytes):
    app.sign_up("dave", PASSWORD)
    app._on_upload({"me.jpg": {"metadata": {"name": "me.jpg", "type": "image/jpeg"}, "content": grace_bytes}})
    assert app.store.profile_photo(app.user.id) is not None, app.message


def test_an_unexpected_error_in_a_callback_is_shown(app, monkeypatch, caplog):
    def broken(*args):
        raise KeyError("boom")

    monkeypatch.setattr(app.store, "create_user", broken)
    app.username.value, app.password.value = "erin", PASSWORD
    app.sign_up_button.click()
    _error(app, "something went wrong", "keyerror")
    assert "boom" in caplog.text


# --- small helpers -------------------------------------------------------------------------------

def test_data_uri_names_the_image_type():
    assert data_uri(b"\x89PNG\r\n\x1a\n....").startswith("data:image/png;base64,")
    assert data_uri(b"\xff\xd8\xff\xe0....").startswith("data:image/jpeg;base64,")
    with pytest.raises(ValueError, match="not PNG"):
        data_uri(b"<svg onload=alert(1)>")


def test_emotion_line_names_the_best_guess_when_unsure():
    def post(emotion, probabilities):
        return Post(1, 1, "a", "t", emotion, "neutral" if emotion == "neutral" else emotion, probabilities,
                    "2026-01-01T00:00:00.000000+00:00", False)

    assert emotion_line(post("sadness", {"sadness": 0.9, "joy": 0.1})) == "sadness (90%) · face: sadness"
    assert emotion_line(post("neutral", {"joy": 0.3, "neutral": 0.1})) == \
        "neutral (unclear: most likely joy, 30%) · face: neutral"


def test_one_damaged_picture_costs_only_its_own_post(alice):
    import sqlite3

    user = alice.store.authenticate("alice", PASSWORD)
    good = alice.store.add_post(user.id, "a good day", "joy", "happiness", {"joy": 1.0}, _png(np.zeros((8, 8, 3), np.uint8)))
    bad = alice.store.add_post(user.id, "a broken picture", "joy", "happiness", {"joy": 1.0}, b"not an image")
    html = alice.feed_html()
    assert "a good day" in html and "a broken picture" in html
    assert html.count('class="emoface-picture"') == 1 and "picture missing" in html
    with sqlite3.connect(alice.store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM posts WHERE id IN (?, ?)", (good.id, bad.id)).fetchone()[0] == 2


def test_the_feed_pages_through_older_posts(tmp_path, pipeline):
    app = BlogApp(BlogStore(tmp_path / "blog.sqlite"), pipeline, feed_limit=3)
    user = app.store.create_user("carol", PASSWORD)
    for k in range(7):
        app.store.add_post(user.id, f"post number {k}", "joy", "happiness", {"joy": 1.0}, None)
    app._refresh()

    def shown() -> list[str]:
        return [child.children[0].value.split("emoface-post-text\">")[1].split("<")[0] for child in app.feed.children]

    assert shown() == ["post number 6", "post number 5", "post number 4"] and app.older_button.layout.display == ""
    app.show_older()
    assert len(shown()) == 6 and shown()[-1] == "post number 1"
    app.show_older()
    assert shown()[-1] == "post number 0" and app.older_button.layout.display == "none"  # nothing older
