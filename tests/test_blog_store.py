import base64
import hashlib
import multiprocessing
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from emoface.blog import store as store_module
from emoface.blog.store import (
    MAX_IMAGE_BYTES,
    MAX_POST_CHARS,
    SCHEMA_VERSION,
    AuthenticationError,
    BlogError,
    BlogStore,
    IncompatibleDatabaseError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    UserExistsError,
)

PASSWORD = "correct horse"
PROBS = {"joy": 0.7, "sadness": 0.1, "anger": 0.05, "fear": 0.05, "neutral": 0.1}


@pytest.fixture
def store(tmp_path):
    return BlogStore(tmp_path / "blog" / "blog.sqlite")


def _raw(store, sql, *args):
    with sqlite3.connect(store.path) as db:
        return db.execute(sql, args).fetchall()


def _post(store, user, text="hello", picture=b"\x89PNG fake"):
    return store.add_post(user.id, text, "joy", "happy", PROBS, picture)


# --- users ---

def test_sign_up_then_log_in(store):
    ada = store.create_user("  Ada.L_1-x ", PASSWORD)
    assert ada.username == "Ada.L_1-x" and not ada.has_photo and ada.created
    assert store.authenticate("Ada.L_1-x", PASSWORD) == ada
    assert store.authenticate(" ada.l_1-X", PASSWORD) == ada  # names are unique ignoring case
    assert store.user(ada.id) == ada


def test_wrong_password_and_unknown_user_get_the_same_message(store):
    store.create_user("ada", PASSWORD)
    messages = []
    for name, password in [("ada", "wrong password"), ("bob", PASSWORD), ("no way!", PASSWORD)]:
        with pytest.raises(AuthenticationError) as caught:
            store.authenticate(name, password)
        messages.append(str(caught.value))
    assert len(set(messages)) == 1 and "password" in messages[0]


def test_password_is_stored_as_salted_scrypt(store):
    store.create_user("ada", PASSWORD)
    store.create_user("bob", PASSWORD)
    (ada,), (bob,) = _raw(store, "SELECT password_hash FROM users ORDER BY id")
    assert PASSWORD not in ada and ada != bob
    algorithm, n, r, p, salt, digest = ada.split("$")
    assert (algorithm, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and salt != bob.split("$")[4]
    recomputed = hashlib.scrypt(PASSWORD.encode(), salt=base64.b64decode(salt), n=16384, r=8, p=1, dklen=32)
    assert recomputed == base64.b64decode(digest)


def test_a_taken_name_is_refused_in_any_case(store):
    store.create_user("Ada", PASSWORD)
    with pytest.raises(UserExistsError, match="taken"):
        store.create_user(" aDA ", "another password")
    assert _raw(store, "SELECT count(*) FROM users") == [(1,)]


@pytest.mark.parametrize("name", ["", "ab", "a" * 33, "two words", "ünï", "semi;colon", "<b>x</b>"])
def test_bad_usernames_are_refused(store, name):
    with pytest.raises(InvalidInputError, match="3 to 32"):
        store.create_user(name, PASSWORD)


def test_short_password_is_refused_and_eight_characters_are_enough(store):
    with pytest.raises(InvalidInputError, match="at least 8"):
        store.create_user("ada", "1234567")
    store.create_user("ada", "12345678")
    assert isinstance(InvalidInputError("x"), BlogError) and isinstance(BlogError("x"), ValueError)


# --- profile photos ---

def test_profile_photo_round_trip(store):
    ada = store.create_user("ada", PASSWORD)
    assert store.profile_photo(ada.id) is None
    store.set_profile_photo(ada.id, b"first photo")
    store.set_profile_photo(ada.id, b"second photo")
    assert store.profile_photo(ada.id) == b"second photo"
    assert store.user(ada.id).has_photo
    with pytest.raises(NotFoundError):
        store.set_profile_photo(ada.id + 1, b"photo")


def test_profile_photo_size_limits(store):
    ada = store.create_user("ada", PASSWORD)
    with pytest.raises(InvalidInputError, match="empty"):
        store.set_profile_photo(ada.id, b"")
    with pytest.raises(InvalidInputError, match="20 MB"):
        store.set_profile_photo(ada.id, bytes(MAX_IMAGE_BYTES + 1))
    assert store.profile_photo(ada.id) is None
    store.set_profile_photo(ada.id, bytes(MAX_IMAGE_BYTES))
    assert len(store.profile_photo(ada.id)) == MAX_IMAGE_BYTES


def test_a_new_photo_leaves_old_posts_pictures_alone(store):
    ada = store.create_user("ada", PASSWORD)
    store.set_profile_photo(ada.id, b"old face")
    post = _post(store, ada, picture=b"old face, smiling")
    store.set_profile_photo(ada.id, b"new face")
    assert store.post_picture(post.id) == b"old face, smiling"


# --- posts ---

def test_post_round_trip_keeps_the_raw_text_and_the_probabilities(store):
    ada = store.create_user("ada", PASSWORD)
    text = "<script>alert('hi')</script> & ünïcode 😀\n"
    made = store.add_post(ada.id, text, "joy", "happy", PROBS, b"png bytes")
    (read,) = store.posts()
    assert read == made == store.post(made.id)
    assert (read.text, read.username, read.emotion, read.expression) == (text, "ada", "joy", "happy")
    assert read.probabilities == PROBS and read.has_picture
    assert store.post_picture(read.id) == b"png bytes"
    bare = store.add_post(ada.id, "no picture", "neutral", "neutral", {}, None)
    assert not bare.has_picture and store.post_picture(bare.id) is None


@pytest.mark.parametrize("text", ["", "   \n\t", "x" * (MAX_POST_CHARS + 1)])
def test_empty_and_overlong_posts_are_refused(store, text):
    ada = store.create_user("ada", PASSWORD)
    with pytest.raises(InvalidInputError):
        _post(store, ada, text=text)
    assert store.posts() == []


def test_posts_newest_first_ties_by_id_and_filtered_by_user(store, monkeypatch):
    ada = store.create_user("ada", PASSWORD)
    bob = store.create_user("bob", PASSWORD)
    times = iter(["2024-01-02T00:00:00.000000+00:00", "2024-01-01T00:00:00.000000+00:00",
                  "2024-01-02T00:00:00.000000+00:00", "2024-01-03T00:00:00.000000+00:00"])
    monkeypatch.setattr(store_module, "_now", lambda: next(times))
    first, older, tie, newest = _post(store, ada, "1"), _post(store, ada, "2"), _post(store, ada, "3"), _post(store, bob, "4")
    assert [p.id for p in store.posts()] == [newest.id, tie.id, first.id, older.id]
    assert [p.id for p in store.posts(limit=2)] == [newest.id, tie.id]
    assert [p.id for p in store.posts(user_id=ada.id)] == [tie.id, first.id, older.id]
    assert [p.username for p in store.posts(user_id=bob.id)] == ["bob"]


def test_delete_own_post_but_not_someone_elses(store):
    ada = store.create_user("ada", PASSWORD)
    bob = store.create_user("bob", PASSWORD)
    mine, theirs = _post(store, ada), _post(store, bob)
    store.delete_post(ada.id, mine.id)
    with pytest.raises(PermissionDeniedError):
        store.delete_post(ada.id, theirs.id)
    assert [p.id for p in store.posts()] == [theirs.id]
    assert store.post_picture(mine.id) is None and store.post_picture(theirs.id) is not None
    assert _raw(store, "SELECT post_id FROM post_pictures") == [(theirs.id,)]  # the picture went with it
    with pytest.raises(NotFoundError):
        store.delete_post(ada.id, mine.id)


def test_a_crash_mid_post_leaves_no_half_post(store, monkeypatch):
    ada = store.create_user("ada", PASSWORD)

    def crash(*args):
        raise RuntimeError("the kernel died")

    monkeypatch.setattr(BlogStore, "_insert_picture", crash)
    with pytest.raises(RuntimeError):
        _post(store, ada)
    assert store.posts() == []
    assert _raw(store, "SELECT count(*) FROM posts") == [(0,)]


def _post_then_die(path):
    """A process that dies (no exception, no clean-up) after the post row, before its picture."""
    BlogStore._insert_picture = lambda *args: os._exit(3)
    store = BlogStore(path)
    _post(store, store.authenticate("ada", PASSWORD))


def test_a_killed_process_leaves_no_half_post_and_no_lock(store):
    ada = store.create_user("ada", PASSWORD)
    child = multiprocessing.get_context("spawn").Process(target=_post_then_die, args=(str(store.path),))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 3
    assert store.posts() == []
    _post(store, ada)  # the dead writer's lock is gone
    assert len(store.posts()) == 1


def _post_many(path, user_id, count, start):
    store = BlogStore(path)
    start.wait(timeout=60)
    for i in range(count):
        store.add_post(user_id, f"post {i} by {user_id}", "joy", "happy", PROBS, b"picture %d" % i)


def test_two_processes_posting_at_once_both_land(store):
    users = [store.create_user("ada", PASSWORD), store.create_user("bob", PASSWORD)]
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_post_many, args=(str(store.path), u.id, 20, start)) for u in users]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
        if worker.is_alive():
            worker.terminate()
    assert [w.exitcode for w in workers] == [0, 0]
    posts = store.posts(limit=100)
    assert len(posts) == 40
    for user in users:
        assert sorted(p.text for p in posts if p.user_id == user.id) == sorted(f"post {i} by {user.id}" for i in range(20))
    assert _raw(store, "SELECT count(*) FROM post_pictures") == [(40,)]


def test_one_store_serves_many_threads(store):
    ada = store.create_user("ada", PASSWORD)
    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(lambda i: _post(store, ada, f"thread post {i}"), range(20)))
        listed = list(pool.map(lambda _: len(store.posts(limit=100)), range(8)))
    assert len({p.id for p in made}) == 20 and len(store.posts(limit=100)) == 20
    assert all(0 <= n <= 20 for n in listed)


# --- the file ---

def test_schema_version_and_journal_mode(store):
    assert store.schema_version == SCHEMA_VERSION == 2
    assert _raw(store, "PRAGMA user_version") == [(2,)]
    assert _raw(store, "PRAGMA journal_mode") == [("wal",)]
    ada = store.create_user("ada", PASSWORD)
    assert BlogStore(store.path).authenticate("ada", PASSWORD) == ada  # reopening keeps everything


def test_a_database_from_a_newer_emoface_is_refused(store):
    with sqlite3.connect(store.path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(IncompatibleDatabaseError, match="newer emoface.*upgrade"):
        BlogStore(store.path)


def test_a_foreign_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "cats.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE cats (name TEXT)")
    with pytest.raises(IncompatibleDatabaseError, match="not an emoface blog"):
        BlogStore(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("cats",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    text = tmp_path / "notes.txt"
    text.write_text("this is not a database, just some notes that happen to be long enough" * 20)
    with pytest.raises(IncompatibleDatabaseError, match="not an SQLite database"):
        BlogStore(text)


def test_a_deleted_posts_id_is_never_given_to_a_new_post(store):
    ada = store.create_user("ada", PASSWORD)
    first, newest = _post(store, ada, "one"), _post(store, ada, "two")
    store.delete_post(ada.id, newest.id)
    again = _post(store, ada, "three")
    assert again.id > newest.id > first.id  # a page that remembers post `newest` cannot show "three" as it


def test_the_database_files_are_readable_by_their_owner_only(store):
    _post(store, store.create_user("ada", PASSWORD))
    for path in (store.path, store.path.with_name(store.path.name + "-wal"), store.path.with_name(store.path.name + "-shm")):
        if path.exists():
            assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))


def test_a_schema_1_blog_is_migrated_with_its_rows_pictures_and_ids(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # what emoface wrote before ids were kept unique
        for statement in store_module._TABLES:
            db.execute(statement.replace(" AUTOINCREMENT", ""))
        db.execute("INSERT INTO users VALUES (7, 'ada', 'x', '2026-01-01')")
        db.execute("INSERT INTO posts VALUES (5, 7, 'old post', 'joy', 'happiness', '{}', '2026-01-02')")
        db.execute("INSERT INTO post_pictures VALUES (5, x'89504e47')")
        db.execute("PRAGMA user_version = 1")
    migrated = BlogStore(path)
    assert migrated.schema_version == 2
    assert [(p.id, p.text) for p in migrated.posts()] == [(5, "old post")] and migrated.post_picture(5) is not None
    newer = migrated.add_post(7, "new post", "joy", "happiness", {"joy": 1.0}, b"\x89PNG fake")
    assert newer.id == 6


def test_a_read_only_blog_can_be_read_and_says_why_it_cannot_be_changed(store, monkeypatch):
    ada = store.create_user("ada", PASSWORD)
    _post(store, ada, "still here")
    monkeypatch.setattr(store_module.os, "access", lambda path, mode: False)  # as a read-only mount would
    reader = BlogStore(store.path)
    assert reader.read_only and [p.text for p in reader.posts()] == ["still here"]
    with pytest.raises(store_module.BlogError, match="read-only"):
        reader.create_user("bob", PASSWORD)


def test_a_damaged_blog_says_so_in_one_sentence(store):
    ada = store.create_user("ada", PASSWORD)
    for k in range(40):  # enough rows for the posts table to span pages beyond the header's
        _post(store, ada, f"post {k} " + "x" * 400)
    with sqlite3.connect(store.path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(store.path.read_bytes())
    data[4096 * 3 : 4096 * 6] = b"\xff" * (4096 * 3)  # pages 4-6: past the header and the schema
    store.path.write_bytes(bytes(data))
    with pytest.raises(IncompatibleDatabaseError, match="damaged or unreadable.*backup"):
        BlogStore(store.path).posts()
