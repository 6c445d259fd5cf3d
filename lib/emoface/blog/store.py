"""The blog's storage: users, their profile photos, and posts with the picture drawn for each.

The paper's web application (§4.3) is a small blog: a user signs up, uploads a profile photo, and
every post they write is shown beside that photo redrawn with the post's emotion. This module keeps
all of it in one SQLite file, from the standard library, so the blog runs in a Colab or Voilà
session with no database server:

* **users**: the username as typed (3–32 letters, digits, ``_ . -``; unique ignoring case) and
  a salted scrypt hash of the password, stored with its parameters so that they can be raised
  later without locking anyone out. A wrong password and an unknown user get the same message.
* **profile photos**: the uploaded file's bytes, as given; the caller checks that they are an
  image with a face (:mod:`emoface.images`). A new photo changes the next posts, not the old ones:
  each post keeps the picture drawn when it was written.
* **posts**: the text, the emotion and expression the text classifier chose, its probabilities
  (JSON), and the generated PNG in a table of its own, so that listing posts never reads a
  picture. A post and its picture are written in one transaction: a crash mid-post leaves no half
  post.

**The store keeps the raw text.** Escaping is the page's job: ``blog.app`` escapes a post when it
renders it. Text escaped here would show up double-escaped on the page and be wrong for every
other reader (the CLI, an export, the classifier).

Every operation opens its own connection, so one :class:`BlogStore` serves the threads of
ipywidgets callbacks and Voilà. WAL journal mode and a 30 s busy timeout let two processes post at
once: one waits for the other instead of failing with "database is locked". The schema's version
is SQLite's ``user_version``; a file written by a newer emoface, or not by emoface at all, is
refused before anything is written to it.

Taught in ``05_pipeline_app.ipynb``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import math
import operator
import os
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

#: Stored in ``PRAGMA user_version``; raise it, with a migration, whenever the tables change.
#: 2: ids of users and posts are never reused (AUTOINCREMENT): a deleted newest post's id used to
#: come back, and a page that remembered it showed the old text beside the new post.
SCHEMA_VERSION = 2
#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0
MIN_PASSWORD_CHARS = 8
#: A password longer than this is refused rather than hashed: no one types it, and it costs time.
MAX_PASSWORD_CHARS = 1024
MAX_POST_CHARS = 5_000
#: Profile photos and post pictures: 20 MB is a very large phone photo.
MAX_IMAGE_BYTES = 20 * 2**20
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{3,32}")

_AUTH_MESSAGE = "wrong username or password; check both and try again"

_TABLES = (
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        created TEXT NOT NULL)""",
    """CREATE TABLE profile_photos (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        image BLOB NOT NULL,
        updated TEXT NOT NULL)""",
    """CREATE TABLE posts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        emotion TEXT NOT NULL,
        expression TEXT NOT NULL,
        probabilities TEXT NOT NULL,
        created TEXT NOT NULL)""",
    "CREATE INDEX posts_newest ON posts (created DESC, id DESC)",
    "CREATE INDEX posts_by_user ON posts (user_id, created DESC, id DESC)",
    """CREATE TABLE post_pictures (
        post_id INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
        image BLOB NOT NULL)""",
)
_OUR_TABLES = frozenset({"users", "profile_photos", "posts", "post_pictures"})

_USER_COLUMNS = """u.id, u.username, u.created,
    EXISTS (SELECT 1 FROM profile_photos f WHERE f.user_id = u.id) AS has_photo"""
_POST_QUERY = """SELECT p.id, p.user_id, u.username, p.text, p.emotion, p.expression,
    p.probabilities, p.created,
    EXISTS (SELECT 1 FROM post_pictures x WHERE x.post_id = p.id) AS has_picture
    FROM posts p JOIN users u ON u.id = p.user_id"""


class BlogError(ValueError):
    """Something the blog's user should be told; the message is fit to show on the page."""


class InvalidInputError(BlogError):
    """A bad username, a short password, an empty post, an image too large, and so on."""


class UserExistsError(BlogError):
    """The username is taken (ignoring case)."""


class AuthenticationError(BlogError):
    """Wrong username or password; which of the two is not said."""


class PermissionDeniedError(BlogError):
    """A user tried to change someone else's post."""


class NotFoundError(BlogError):
    """No user or post with that id."""


class IncompatibleDatabaseError(BlogError):
    """The file is not an emoface blog this version can read."""


@dataclass(frozen=True)
class ScryptParams:
    """The cost of a password hash; stored with each hash, so raising them later breaks no login."""

    n: int = 2**14
    r: int = 8
    p: int = 1
    dklen: int = 32
    salt_bytes: int = 16


SCRYPT = ScryptParams()


@dataclass(frozen=True)
class User:
    id: int
    username: str
    created: str  # ISO 8601, UTC
    has_photo: bool


@dataclass(frozen=True)
class Post:
    id: int
    user_id: int
    username: str
    text: str  # raw, as written: escape it before putting it in HTML
    emotion: str
    expression: str
    probabilities: dict[str, float]
    created: str  # ISO 8601, UTC
    has_picture: bool


# --- passwords ---------------------------------------------------------------------------------

def hash_password(password: str, params: ScryptParams = SCRYPT) -> str:
    """``scrypt$n$r$p$salt$digest`` (base64): a fresh random salt, and the parameters used."""
    _check_password(password)
    salt = secrets.token_bytes(params.salt_bytes)
    digest = _scrypt(password, salt, params.n, params.r, params.p, params.dklen)
    return "$".join(["scrypt", str(params.n), str(params.r), str(params.p), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (from :func:`hash_password`), in constant time."""
    algorithm, n, r, p, salt, digest = stored.split("$")
    if algorithm != "scrypt":
        raise BlogError(f"this password was hashed with {algorithm!r}, which this emoface cannot check; upgrade emoface")
    expected = base64.b64decode(digest)
    actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    # The same password typed on two keyboards can differ in Unicode form (é as one or two code points).
    secret = unicodedata.normalize("NFKC", password).encode("utf-8")
    # scrypt needs 128·r·(n + p + 2) bytes; OpenSSL refuses more than maxmem (32 MB by default).
    maxmem = 128 * r * (n + p + 2) + 2**20
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the user is unknown, so that the answer takes as long as for a known one."""
    return hash_password(secrets.token_hex(16))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- checks on input ---------------------------------------------------------------------------

def normalize_username(username: str) -> str:
    """The username without surrounding spaces, or :class:`InvalidInputError` saying what is allowed."""
    if not isinstance(username, str):
        raise TypeError(f"a username is text, not {type(username).__name__}")
    name = username.strip()
    if not USERNAME_PATTERN.fullmatch(name):
        raise InvalidInputError(
            f"{name!r} cannot be a username: use 3 to 32 letters (a–z, A–Z), digits, '_', '.' or '-'"
        )
    return name


def _check_password(password: str) -> None:
    if not isinstance(password, str):
        raise TypeError(f"a password is text, not {type(password).__name__}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInputError(f"a password needs at least {MIN_PASSWORD_CHARS} characters; choose a longer one")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInputError(f"a password may have at most {MAX_PASSWORD_CHARS} characters; choose a shorter one")


def _check_text(text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"a post is text, not {type(text).__name__}")
    if not text.strip():
        raise InvalidInputError("the post is empty; write something first")
    if len(text) > MAX_POST_CHARS:
        raise InvalidInputError(
            f"the post has {len(text):,} characters, over the limit of {MAX_POST_CHARS:,}; shorten it"
        )


def _check_label(value: str, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"the post's {what} must be a non-empty name, got {value!r}")


def _check_image(data: bytes, what: str) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be the bytes of an image file, not {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise InvalidInputError(f"{what} is empty (0 bytes); upload the image file again")
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInputError(
            f"{what} is {len(data) / 2**20:.1f} MB, over the {MAX_IMAGE_BYTES // 2**20} MB limit; "
            "save it smaller (a few megapixels as JPEG is plenty)"
        )
    return data


def _check_id(value: int, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a whole number, not a bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be a whole number, not {type(value).__name__}") from None


def _probabilities_json(probabilities: Mapping[str, float]) -> str:
    if not isinstance(probabilities, Mapping):
        raise TypeError(f"probabilities must be a dict of emotion → probability, not {type(probabilities).__name__}")
    table = {}
    for emotion, value in probabilities.items():
        if not isinstance(emotion, str):
            raise TypeError(f"probabilities are keyed by emotion names, not {type(emotion).__name__}")
        try:
            table[emotion] = float(value)
        except (TypeError, ValueError):
            raise InvalidInputError(f"the probability of {emotion!r} is {value!r}, not a number") from None
        if not math.isfinite(table[emotion]):
            raise InvalidInputError(f"the probability of {emotion!r} is {value!r}; it must be a finite number")
    return json.dumps(table)


def _now() -> str:
    """UTC, always with microseconds, so that the strings sort in time order."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


# --- the store ---------------------------------------------------------------------------------

class BlogStore:
    """The blog in one SQLite file. Safe to share between threads, and between processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) == ":memory:":
            raise ValueError("an in-memory blog would vanish between operations; give a file path")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(self.path)
        #: The file exists but this process may not write it (or its folder, where SQLite's WAL lives).
        self.read_only = not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK))
        self._open_schema()

    def __repr__(self) -> str:
        return f"BlogStore({str(self.path)!r})"

    @property
    def schema_version(self) -> int:
        """The schema version of the file (:data:`SCHEMA_VERSION` for one this emoface made)."""
        with self._reading() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    # --- connections and transactions ---

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; transaction() says where they begin and end.
        # timeout sets SQLite's busy timeout: wait for another writer rather than fail.
        if self.read_only:  # a file the server may not write: read it, never try to change it
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                                 isolation_level=None)
        else:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        return db

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own, for one statement that reads."""
        with _explained(self.path), closing(self._connect()) as db:
            yield db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in a write transaction: all of the block's changes are kept, or none.

        ``BEGIN IMMEDIATE`` takes the write lock at once, so a transaction that reads and then
        writes (is the name free? then insert it) never sees another writer slip in between.
        """
        if self.read_only:
            raise BlogError(f"{self.path} is read-only here: the blog can be read but not changed; "
                            "give the server write access to it (and its folder), or copy it")
        with _explained(self.path), closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:  # SQLite may have rolled back already (disk full, say)
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _open_schema(self) -> None:
        if self.read_only:
            with _explained(self.path), closing(self._connect()) as db:
                _check_schema(self.path, *_schema_of(db))
            return
        try:
            with closing(self._connect()) as db:
                version, tables = _schema_of(db)
                if version == 0 and not tables:
                    self._create_schema(db)
                elif version == 1 and _OUR_TABLES <= tables:
                    _migrate_1_to_2(db)
                else:
                    _check_schema(self.path, version, tables)
                # Persistent: recorded in the file, so every later connection is in WAL mode too.
                db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as err:
            if err.sqlite_errorcode != sqlite3.SQLITE_NOTADB:
                raise
            raise IncompatibleDatabaseError(
                f"{self.path} is not an SQLite database; give the blog a new file name"
            ) from None

    def _create_schema(self, db: sqlite3.Connection) -> None:
        # Not executescript(): it would commit the transaction before running the script.
        db.execute("BEGIN IMMEDIATE")
        try:
            version, tables = _schema_of(db)  # another process may have just made it
            if version == 0 and not tables:
                for statement in _TABLES:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
            else:
                _check_schema(self.path, version, tables)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # --- users ---

    def create_user(self, username: str, password: str) -> User:
        """Sign up; :class:`UserExistsError` if the name is taken in any case."""
        name = normalize_username(username)
        stored = hash_password(password)  # slow on purpose: done before the write lock is taken
        created = _now()
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                raise UserExistsError(f"the username {name!r} is taken; pick another")
            cursor = db.execute(
                "INSERT INTO users (username, password_hash, created) VALUES (?, ?, ?)", (name, stored, created)
            )
        return User(cursor.lastrowid, name, created, False)

    def authenticate(self, username: str, password: str) -> User:
        """Log in; the same :class:`AuthenticationError` for an unknown user and a wrong password."""
        if not isinstance(username, str) or not isinstance(password, str):
            raise AuthenticationError(_AUTH_MESSAGE)
        with self._reading() as db:
            row = db.execute(
                f"SELECT {_USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = ?", (username.strip(),)
            ).fetchone()
        stored = row["password_hash"] if row else _dummy_hash()
        matches = len(password) <= MAX_PASSWORD_CHARS and verify_password(password, stored)
        if row is None or not matches:
            raise AuthenticationError(_AUTH_MESSAGE)
        return _user(row)

    def user(self, user_id: int) -> User:
        """The user with this id, or :class:`NotFoundError`."""
        user_id = _check_id(user_id, "user_id")
        with self._reading() as db:
            row = db.execute(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"there is no user {user_id}; sign up or log in again")
        return _user(row)

    # --- profile photos ---

    def set_profile_photo(self, user_id: int, image: bytes) -> None:
        """Store (or replace) the photo file's bytes; posts already written keep their pictures."""
        user_id = _check_id(user_id, "user_id")
        image = _check_image(image, "the profile photo")
        with self.transaction() as db:
            _require_user(db, user_id)
            db.execute(
                "INSERT INTO profile_photos (user_id, image, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET image = excluded.image, updated = excluded.updated",
                (user_id, image, _now()),
            )

    def profile_photo(self, user_id: int) -> bytes | None:
        """The photo file's bytes, or ``None`` if the user has none."""
        user_id = _check_id(user_id, "user_id")
        with self._reading() as db:
            row = db.execute("SELECT image FROM profile_photos WHERE user_id = ?", (user_id,)).fetchone()
        return None if row is None else bytes(row["image"])

    # --- posts ---

    def add_post(self, user_id: int, text: str, emotion: str, expression: str,
                 probabilities: dict[str, float], picture: bytes | None) -> Post:
        """Store a post and its generated picture (PNG bytes, or ``None``) together, or neither."""
        user_id = _check_id(user_id, "user_id")
        _check_text(text)
        _check_label(emotion, "emotion")
        _check_label(expression, "expression")
        table = _probabilities_json(probabilities)
        if picture is not None:
            picture = _check_image(picture, "the post's picture")
        created = _now()
        with self.transaction() as db:
            username = _require_user(db, user_id)
            post_id = db.execute(
                "INSERT INTO posts (user_id, text, emotion, expression, probabilities, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, text, emotion, expression, table, created),
            ).lastrowid
            if picture is not None:
                self._insert_picture(db, post_id, picture)
        return Post(post_id, user_id, username, text, emotion, expression, json.loads(table), created,
                    picture is not None)

    def _insert_picture(self, db: sqlite3.Connection, post_id: int, picture: bytes) -> None:
        db.execute("INSERT INTO post_pictures (post_id, image) VALUES (?, ?)", (post_id, picture))

    def posts(self, limit: int = 50, user_id: int | None = None) -> list[Post]:
        """The newest ``limit`` posts (of one user, if given), newest first; ties go to the later id."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive whole number of posts, got {limit!r}")
        order = " ORDER BY p.created DESC, p.id DESC LIMIT ?"
        with self._reading() as db:
            if user_id is None:
                rows = db.execute(_POST_QUERY + order, (limit,)).fetchall()
            else:
                user_id = _check_id(user_id, "user_id")
                rows = db.execute(_POST_QUERY + " WHERE p.user_id = ?" + order, (user_id, limit)).fetchall()
        return [_post(row) for row in rows]

    def post(self, post_id: int) -> Post:
        """The post with this id, or :class:`NotFoundError`."""
        post_id = _check_id(post_id, "post_id")
        with self._reading() as db:
            row = db.execute(_POST_QUERY + " WHERE p.id = ?", (post_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"there is no post {post_id}; it may have been deleted")
        return _post(row)

    def post_picture(self, post_id: int) -> bytes | None:
        """The picture drawn for the post, or ``None`` (no such post, or it has no picture)."""
        post_id = _check_id(post_id, "post_id")
        with self._reading() as db:
            row = db.execute("SELECT image FROM post_pictures WHERE post_id = ?", (post_id,)).fetchone()
        return None if row is None else bytes(row["image"])

    def delete_post(self, user_id: int, post_id: int) -> None:
        """Delete a post, and its picture, on behalf of ``user_id``, who must have written it."""
        user_id = _check_id(user_id, "user_id")
        post_id = _check_id(post_id, "post_id")
        with self.transaction() as db:
            row = db.execute("SELECT user_id FROM posts WHERE id = ?", (post_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"there is no post {post_id}; it may have been deleted already")
            if row["user_id"] != user_id:
                raise PermissionDeniedError("you can delete only your own posts")
            db.execute("DELETE FROM posts WHERE id = ?", (post_id,))  # the picture goes by ON DELETE CASCADE


# --- helpers on rows and schemas ---------------------------------------------------------------

@contextmanager
def _explained(path: Path) -> Iterator[None]:
    """SQLite's errors about the file itself as one sentence that says what to do."""
    try:
        yield
    except sqlite3.DatabaseError as err:
        if isinstance(err, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)) or (
                isinstance(err, sqlite3.OperationalError) and "locked" in str(err)):
            raise  # the blog's own logic handles these
        raise IncompatibleDatabaseError(
            f"{path} is damaged or unreadable ({err}); restore it from a backup, or give the blog a new file name"
        ) from None


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (0600): it holds password hashes and photos.

    SQLite gives the ``-wal`` and ``-shm`` files it makes the database file's own permissions.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except PermissionError:
        raise BlogError(f"cannot create the blog database {path}: the folder is not writable; "
                        "choose another path (emoface serve --db PATH)") from None


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Schema 1 → 2: users and posts rebuilt with AUTOINCREMENT ids, rows, pictures and ids kept."""
    db.execute("PRAGMA foreign_keys = OFF")  # rebuilding a table must not cascade into its dependants
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] == 1:  # another process may have just done it
            for table, statement in (("users", _TABLES[0]), ("posts", _TABLES[2])):
                db.execute(statement.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_v2 (", 1))
                db.execute(f"INSERT INTO {table}_v2 SELECT * FROM {table}")
                db.execute(f"DROP TABLE {table}")
                db.execute(f"ALTER TABLE {table}_v2 RENAME TO {table}")
            for statement in _TABLES[3:5]:  # the posts' indexes went with the old table
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    finally:
        db.execute("PRAGMA foreign_keys = ON")


def _schema_of(db: sqlite3.Connection) -> tuple[int, set[str]]:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return version, {row[0] for row in names}


def _check_schema(path: Path, version: int, tables: set[str]) -> None:
    if version > SCHEMA_VERSION:
        raise IncompatibleDatabaseError(
            f"{path} was made by a newer emoface (blog schema {version}; this one reads up to "
            f"{SCHEMA_VERSION}); upgrade emoface (pip install -U emoface)"
        )
    if version != SCHEMA_VERSION or not _OUR_TABLES <= tables:
        raise IncompatibleDatabaseError(
            f"{path} is an SQLite database, but not an emoface blog (tables: {', '.join(sorted(tables)) or 'none'}; "
            f"schema version {version}); give the blog a new file name"
        )


def _require_user(db: sqlite3.Connection, user_id: int) -> str:
    row = db.execute("SELECT username FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"there is no user {user_id}; sign up or log in again")
    return row["username"]


def _user(row: sqlite3.Row) -> User:
    return User(row["id"], row["username"], row["created"], bool(row["has_photo"]))


def _post(row: sqlite3.Row) -> Post:
    return Post(row["id"], row["user_id"], row["username"], row["text"], row["emotion"], row["expression"],
                json.loads(row["probabilities"]), row["created"], bool(row["has_picture"]))
