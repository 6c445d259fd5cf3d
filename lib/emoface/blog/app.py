"""The blog of the paper's §4.3 and Fig. 7, as ipywidgets: post a text, see your face take its emotion.

The paper ends with a prototype social site: users log in, add a profile photo and publish posts,
and each post shows the author's photo redrawn by the StarGAN with the emotion its text carries
(Fig. 7: a happy post gives a smiling face, a sad one a sad face). :class:`BlogApp` is that site in
a notebook (Jupyter, Colab) or, through ``emoface serve``, as a web page (Voilà):

* **sign up / log in** with a user name and password (:mod:`emoface.blog.store` keeps them, hashed);
* **upload a profile photo** — refused, with the reason, unless it is an image with a face the
  Haar cascade finds, because every later post depends on that face;
* **write a post** — :class:`~emoface.pipeline.Pipeline` reads its emotion and redraws the
  profile photo; the post keeps that picture, so the feed shows each post with the face it asked
  for, and the profile panel shows the face of the author's latest post;
* **the feed** — newest first; each post's text is HTML-escaped before it reaches the page (a
  post is someone else's input shown to everyone), and only its author gets a delete button; the
  store checks ownership again, so a forged call cannot delete another's post either.

Every action is a plain method (:meth:`BlogApp.sign_up`, :meth:`~BlogApp.log_in`,
:meth:`~BlogApp.upload_photo`, :meth:`~BlogApp.post`, :meth:`~BlogApp.delete_post`,
:meth:`~BlogApp.log_out`, :meth:`~BlogApp.feed_html`) that the widget callbacks call, so tests
drive the blog without a browser. A mistake a user can make ends as a message in the page
(:attr:`BlogApp.message`) and stores nothing. Elements carry stable ``emoface-*`` CSS classes for
the browser test. Works with ipywidgets 7.7 (Colab) and 8.x; the two store uploads differently
(:func:`uploaded_files`).

Taught in ``05_pipeline_app.ipynb``; served by :mod:`emoface.blog.serve`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Literal

import cv2
import ipywidgets as widgets
import numpy as np

from ..faces.detect import NoFaceError
from ..images import ImageReadError, encode_rgb, load_rgb, shrink_rgb
from ..text.classify import EmptyTextError
from .serve import UPLOAD_LIMIT_BYTES
from .store import BlogError, BlogStore, InvalidInputError, PermissionDeniedError, Post, User

if TYPE_CHECKING:  # the pipeline pulls in torch; the app only needs an instance
    from ..pipeline import Pipeline

log = logging.getLogger(__name__)

#: The mistakes a user can make; their messages are written to be shown in the page.
USER_ERRORS: tuple[type[Exception], ...] = (BlogError, NoFaceError, ImageReadError, EmptyTextError)

#: A stored profile photo's longer side. The GAN redraws a 128-pixel face, so a 12-megapixel
#: phone photo gains nothing but would make every page that shows it weigh megabytes.
PROFILE_MAX_SIDE = 1024
#: A post's picture's longer side: the feed shows it as a thumbnail.
PICTURE_MAX_SIDE = 512
JPEG_QUALITY = 90

MessageKind = Literal["info", "error"]

TITLE = "emoface blog — your face feels what you write"
EXPLANATION = (
    "The prototype of the paper's §4.3 and Fig. 7 (Jubair et al., 2022). Sign up, upload a photo of "
    "your face, and write a post: an LSTM reads the post's emotion and a StarGAN redraws your photo with "
    "that expression. Every post keeps the face it asked for."
)

_CSS = """
<style>
.emoface-blog { max-width: 760px; }
.emoface-message { padding: 4px 8px; border-radius: 4px; }
.emoface-message-info { background: #eef6ee; color: #1b5e20; }
.emoface-message-error { background: #fdecea; color: #b71c1c; }
.emoface-post-card { display: flex; gap: 12px; padding: 8px 0; border-bottom: 1px solid #ddd; }
.emoface-post-card img, .emoface-profile img { width: 128px; height: auto; border-radius: 6px; }
.emoface-profile figure { display: inline-block; margin: 0 12px 0 0; text-align: center; }
.emoface-author { font-weight: bold; }
.emoface-date { color: #777; font-size: 85%; margin-left: 6px; }
.emoface-post-text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }
.emoface-emotion { color: #555; font-size: 90%; }
</style>
"""


def uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """The ``(file name, bytes)`` of a ``FileUpload``'s ``value``, whichever ipywidgets made it.

    ipywidgets 7 (Colab): ``{name: {"metadata": {...}, "content": bytes}}``; ipywidgets 8: a tuple
    of ``{"name", "type", "size", "content": memoryview, "last_modified"}``. Nothing chosen: ``[]``.
    """
    if not value:
        return []
    if isinstance(value, Mapping):
        return [(str(name), bytes(item["content"])) for name, item in value.items()]
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [(str(item.get("name", "")), bytes(item["content"])) for item in value]
    raise TypeError(
        f"a FileUpload value of type {type(value).__name__}: expected the dict of ipywidgets 7 "
        "or the tuple of ipywidgets 8"
    )


def encode_jpeg(rgb: np.ndarray, max_side: int, quality: int = JPEG_QUALITY) -> bytes:
    """An RGB photo as JPEG bytes, shrunk to ``max_side``: photos compress 5–10× better than as PNG."""
    return encode_rgb(shrink_rgb(rgb, max_side), ".jpg", quality, what=f"a {rgb.shape} image as JPEG")


def data_uri(image: bytes) -> str:
    """``image`` as a ``data:`` URI for an ``<img src>``: the page needs no file server."""
    if image.startswith(b"\x89PNG"):
        mime = "image/png"
    elif image.startswith(b"\xff\xd8"):
        mime = "image/jpeg"
    elif image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        mime = "image/webp"
    elif image.startswith((b"GIF87a", b"GIF89a")):
        mime = "image/gif"
    else:
        raise ValueError("the stored picture is not PNG, JPEG, WebP or GIF; it cannot be shown")
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


def _when(created: str) -> str:
    """A post's time (the store's ISO 8601 UTC) for people: ``2026-11-25 14:03 UTC``."""
    try:
        moment = dt.datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return str(created)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.utcoffset() == dt.timedelta(0) else "")


def emotion_line(post: Post) -> str:
    """What the feed says about a post's emotion: ``sadness (97%) · face: sadness``.

    With a low-confidence prediction the emotion stored is the classifier's fallback, and the
    line names the model's best guess instead of a misleading low share for the fallback.
    """
    line = f"{post.emotion} · face: {post.expression}"
    if not post.probabilities:
        return line
    top = max(post.probabilities, key=post.probabilities.__getitem__)
    share = post.probabilities[top]
    if top == post.emotion:
        return f"{post.emotion} ({share:.0%}) · face: {post.expression}"
    return f"{post.emotion} (unclear: most likely {top}, {share:.0%}) · face: {post.expression}"


class BlogApp:
    """The blog as one widget (:attr:`widget`) over a :class:`BlogStore` and a :class:`Pipeline`."""

    def __init__(self, store: BlogStore, pipeline: Pipeline, feed_limit: int = 50) -> None:
        self.store = store
        self.pipeline = pipeline
        self.feed_limit = feed_limit
        #: How many posts the feed shows now: ``feed_limit`` more each time *Older posts* is pressed.
        self.shown = feed_limit
        self.user: User | None = None
        self.message = ""
        self.message_kind: MessageKind = "info"
        self._rows: dict[tuple[int, bool], widgets.HBox] = {}  # (post id, own) → its row in the feed
        self._build()
        self._refresh()

    # --- actions: the widget callbacks call these, and so do the tests ---------------------------

    def sign_up(self, username: str, password: str) -> User | None:
        """Create an account and log in; ``None`` (and a message) if the store refuses."""
        with self._reporting():
            user = self.store.create_user(username, password)
            self._enter(user, f"Welcome, {user.username}! Upload a photo of your face, then write a post.")
            return user
        return None

    def log_in(self, username: str, password: str) -> User | None:
        """Log in; ``None`` (and a message) on a wrong name or password."""
        with self._reporting():
            user = self.store.authenticate(username, password)
            hint = "" if user.has_photo else " Upload a photo of your face to start posting."
            self._enter(user, f"Logged in as {user.username}.{hint}")
            return user
        return None

    def log_out(self) -> None:
        name = self.user.username if self.user else None
        self.user = None
        self._refresh()
        self._say(f"{name} logged out." if name else "Nobody was logged in.")

    def upload_photo(self, image: bytes) -> bool:
        """Make ``image`` the user's profile photo if it is an image with a face; else say why not."""
        with self._reporting():
            user = self._logged_in("upload a profile photo")
            if len(image) > UPLOAD_LIMIT_BYTES:
                raise InvalidInputError(f"this photo is {len(image) / 2**20:.0f} MB; the limit is "
                                        f"{UPLOAD_LIMIT_BYTES // 2**20} MB: upload a smaller copy")
            rgb = load_rgb(bytes(image), max_side=PROFILE_MAX_SIDE)  # shrunk while decoding
            self.pipeline.find_face(rgb)  # raises NoFaceError: a photo the GAN cannot use is refused now
            self.store.set_profile_photo(user.id, encode_jpeg(rgb, PROFILE_MAX_SIDE))
            self._refresh()
            self._say("Profile photo saved. Your next post will redraw it with the post's emotion.")
            return True
        return False

    def post(self, text: str) -> Post | None:
        """Publish ``text`` with the profile photo redrawn in its emotion; ``None`` (and a message) if refused."""
        with self._reporting():
            user = self._logged_in("post")
            photo = self.store.profile_photo(user.id)
            if photo is None:
                raise InvalidInputError("upload a profile photo first: a post's picture is your face "
                                        "redrawn with the post's emotion")
            result = self.pipeline.edit(text, photo)
            prediction = result.prediction
            post = self.store.add_post(user.id, text, prediction.emotion, result.expression,
                                       dict(prediction.probabilities), encode_jpeg(result.photo, PICTURE_MAX_SIDE))
            self._refresh()
            self._say(f"Posted. {result.message}" if result.message else f"Posted. Emotion: {emotion_line(post)}.")
            return post
        return None

    def delete_post(self, post_id: int) -> bool:
        """Delete one of the user's own posts; anyone else's is refused by the store."""
        with self._reporting():
            user = self._logged_in("delete a post")
            self.store.delete_post(user.id, post_id)
            self._refresh()
            self._say("Post deleted.")
            return True
        return False

    def feed_html(self) -> str:
        """The feed as HTML, newest first (what :attr:`widget` shows, without the delete buttons)."""
        posts = self.store.posts(limit=self.feed_limit)
        if not posts:
            return '<div class="emoface-empty">No posts yet.</div>'
        return "\n".join(self.post_html(post) for post in posts)

    def post_html(self, post: Post) -> str:
        """One post: the author's face in the post's emotion, name, time, the escaped text, the emotion."""
        picture = self.store.post_picture(post.id) if post.has_picture else None
        name = html.escape(post.username)
        try:
            image = (f'<img class="emoface-picture" src="{data_uri(picture)}" '
                     f'alt="{name}, {html.escape(post.expression)}">' if picture else "")
        except ValueError:  # one damaged picture costs its own post its picture, not the feed
            image = '<div class="emoface-picture emoface-missing">picture missing</div>'
        return (
            f'<div class="emoface-post-card" data-post-id="{int(post.id)}">{image}<div>'
            f'<span class="emoface-author">{name}</span>'
            f'<span class="emoface-date">{html.escape(_when(post.created))}</span>'
            f'<div class="emoface-post-text">{html.escape(post.text)}</div>'
            f'<div class="emoface-emotion" data-emotion="{html.escape(post.emotion)}">'
            f'{html.escape(emotion_line(post))}</div></div></div>'
        )

    def profile_html(self) -> str:
        """The logged-in user's photo and, after a post, the face that post gave it (Fig. 7, left)."""
        if self.user is None:
            return ""
        photo = self.store.profile_photo(self.user.id)
        if photo is None:
            return "<p>No profile photo yet: upload a frontal photo of your face.</p>"
        parts = [f'<figure><img class="emoface-profile-photo" src="{data_uri(photo)}" alt="profile photo">'
                 "<figcaption>your photo</figcaption></figure>"]
        latest = self.store.posts(limit=1, user_id=self.user.id)
        picture = self.store.post_picture(latest[0].id) if latest and latest[0].has_picture else None
        if picture:
            parts.append(f'<figure><img class="emoface-current-face" src="{data_uri(picture)}" alt="after your '
                         f'latest post"><figcaption>after your latest post: {html.escape(latest[0].emotion)}'
                         "</figcaption></figure>")
        return "".join(parts)

    # --- state and messages ----------------------------------------------------------------------

    def _logged_in(self, action: str) -> User:
        if self.user is None:
            raise PermissionDeniedError(f"log in to {action}")
        return self.user

    def _enter(self, user: User, greeting: str) -> None:
        self.user = user
        self._refresh()
        self._say(greeting)

    @contextlib.contextmanager
    def _reporting(self) -> Iterator[None]:
        """Turn a user's mistake into a message in the page; the block's changes stop where it failed."""
        try:
            yield
        except USER_ERRORS as err:
            self._say(_sentence(str(err)), "error")

    def _say(self, text: str, kind: MessageKind = "info") -> None:
        self.message, self.message_kind = text, kind
        self.status.value = f'<div class="emoface-message emoface-message-{kind}">{html.escape(text)}</div>'

    # --- widgets ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.header = _classed(widgets.HTML(f"{_CSS}<h2>{html.escape(TITLE)}</h2><p>{html.escape(EXPLANATION)}</p>"),
                               "header")
        self.status = _classed(widgets.HTML(), "status")
        self.auth = _classed(self._build_auth(), "auth")
        self.member = _classed(self._build_member(), "member")
        # Each visitor has a kernel of their own: others' new posts appear on a refresh.
        self.refresh_button = _classed(widgets.Button(description="Refresh", icon="refresh"), "refresh")
        self.refresh_button.on_click(lambda _: self._guarded(self._refresh))
        self.feed = _classed(widgets.VBox(), "feed")
        self._no_posts = widgets.HTML('<div class="emoface-empty">No posts yet.</div>')
        feed_title = widgets.HBox([widgets.HTML("<h3>Feed</h3>"), self.refresh_button], layout=_row_layout())
        self.older_button = _classed(widgets.Button(description="Older posts", icon="arrow-down"), "older")
        self.older_button.on_click(lambda _: self._guarded(self.show_older))
        self.widget = _classed(widgets.VBox([self.header, self.status, self.auth, self.member, feed_title, self.feed,
                                             self.older_button]), "blog")

    def _build_auth(self) -> widgets.VBox:
        """Logged out: user name, password, sign up, log in.

        The fields sync when they lose focus (``continuous_update=False``), not on every key: the
        front end throttles per-key updates while the kernel is busy, and a button click sent
        meanwhile would reach the kernel before the last keys (a truncated password).
        """
        self.username = _classed(widgets.Text(placeholder="user name", description="User", continuous_update=False),
                                 "username")
        self.password = _classed(widgets.Password(placeholder="password", description="Password",
                                                  continuous_update=False), "password")
        self.sign_up_button = _classed(widgets.Button(description="Sign up", button_style="primary"), "signup")
        self.log_in_button = _classed(widgets.Button(description="Log in"), "login")
        self.sign_up_button.on_click(lambda _: self._guarded(self._on_sign_up))
        self.log_in_button.on_click(lambda _: self._guarded(self._on_log_in))
        return widgets.VBox([self.username, self.password, widgets.HBox([self.sign_up_button, self.log_in_button])])

    def _build_member(self) -> widgets.VBox:
        """Logged in: who, log out, the profile photo and its upload, the post editor."""
        self.whoami = _classed(widgets.HTML(), "whoami")
        self.log_out_button = _classed(widgets.Button(description="Log out"), "logout")
        self.log_out_button.on_click(lambda _: self._guarded(self.log_out))
        self.profile = _classed(widgets.HTML(), "profile")
        self.upload_slot = widgets.Box([self._new_upload()])
        self.upload_label = widgets.HTML(f"Profile photo (up to {UPLOAD_LIMIT_BYTES // 2**20} MB):")
        self.text = _classed(widgets.Textarea(placeholder="What's on your mind?", continuous_update=False,
                                              layout=widgets.Layout(width="98%", height="90px")), "text")
        self.post_button = _classed(widgets.Button(description="Post", button_style="success"), "post-button")
        self.post_button.on_click(lambda _: self._guarded(self._on_post))
        return widgets.VBox([
            widgets.HBox([self.whoami, self.log_out_button], layout=_row_layout()),
            self.profile,
            widgets.HBox([self.upload_label, self.upload_slot], layout=_row_layout()),
            self.text,
            self.post_button,
        ])

    def _new_upload(self) -> widgets.FileUpload:
        upload = _classed(widgets.FileUpload(accept="image/*", multiple=False, description="Upload photo"),
                          "upload")
        upload.observe(lambda change: self._guarded(lambda: self._on_upload(change["new"])), names="value")
        return upload

    def _refresh(self) -> None:
        logged_in = self.user is not None
        self.auth.layout.display = "none" if logged_in else ""
        self.member.layout.display = "" if logged_in else "none"
        self.whoami.value = f"Logged in as <b>{html.escape(self.user.username)}</b>" if logged_in else ""
        self.profile.value = self.profile_html()
        self._show_feed()

    def _show_feed(self) -> None:
        """Show the newest posts, reusing the rows already built: a page's pictures are sent once."""
        rows: dict[tuple[int, bool], widgets.Widget] = {}
        posts = self.store.posts(limit=self.shown + 1)  # one more: are there older ones to page to?
        self.older_button.layout.display = "" if len(posts) > self.shown else "none"
        for post in posts[: self.shown]:
            own = self.user is not None and post.user_id == self.user.id
            key = (post.id, own)
            rows[key] = self._rows.pop(key, None) or self._post_row(post, own)
        for stale in self._rows.values():
            _close_tree(stale)
        self._rows = rows
        self.feed.children = list(rows.values()) or [self._no_posts]

    def show_older(self) -> None:
        """Page further back: ``feed_limit`` more posts below the ones shown."""
        self.shown += self.feed_limit
        self._show_feed()

    def _post_row(self, post: Post, own: bool) -> widgets.HBox:
        """A post's card, with a delete button if the user wrote it."""
        parts: list[widgets.Widget] = [widgets.HTML(self.post_html(post), layout=widgets.Layout(flex="1 1 0%"))]
        if own:
            delete = _classed(widgets.Button(description="Delete", button_style="danger",
                                             layout=widgets.Layout(width="80px")), "delete")
            delete.on_click(lambda _, post_id=post.id: self._guarded(lambda: self.delete_post(post_id)))
            parts.append(delete)
        return _classed(widgets.HBox(parts, layout=widgets.Layout(width="98%", align_items="center")), "post")

    # --- callbacks: read the widgets, call an action, tidy up ------------------------------------

    def _on_sign_up(self) -> None:
        self.sign_up(self.username.value, self.password.value)
        self.password.value = ""

    def _on_log_in(self) -> None:
        self.log_in(self.username.value, self.password.value)
        self.password.value = ""

    def _on_upload(self, value: Any) -> None:
        files = uploaded_files(value)
        if not files:
            return
        self._say(f"Looking for a face in {files[-1][0]}…")
        self.upload_photo(files[-1][1])
        # A fresh FileUpload, so that choosing the same file again is a change on ipywidgets 7 and 8.
        old, self.upload_slot.children = self.upload_slot.children, [self._new_upload()]
        for widget in old:
            widget.close()

    def _on_post(self) -> None:
        self.post_button.disabled = True
        self._say("Reading the post's emotion and redrawing your face…")
        try:
            if self.post(self.text.value) is not None:
                self.text.value = ""
        finally:
            self.post_button.disabled = False

    def _guarded(self, action: Callable[[], object]) -> None:
        """Run a widget callback; an unexpected error becomes a message, not a silent dead button.

        In Voilà a callback's traceback goes only to the server's log, so the user would click and
        see nothing. The error is logged with its traceback and shown in the page. Errors a user
        can cause never get here: the actions turn those into messages themselves.
        """
        try:
            action()
        except Exception as err:  # noqa: BLE001 — see the docstring; logged, shown, not swallowed
            log.exception("the blog's %s failed", getattr(action, "__name__", "action"))
            self._say(f"Something went wrong ({type(err).__name__}: {err}). Please report it with what you did.",
                      "error")


def _row_layout() -> widgets.Layout:
    return widgets.Layout(align_items="center")


def _classed(widget: widgets.DOMWidget, name: str) -> Any:
    widget.add_class(f"emoface-{name}")
    return widget


def _close_tree(widget: widgets.Widget) -> None:
    """Close a widget and its children, so that a long session does not pile up dead widgets."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def _sentence(text: str) -> str:
    """A library message (``"no face found in the photo; …"``) as a sentence for the page."""
    text = text.strip()
    if not text:
        return "That did not work."
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
