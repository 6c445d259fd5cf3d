"""The Voilà server ``emoface serve`` runs: Voilà with the limits a page on a real computer needs.

Voilà starts a kernel (~1.2 GB here: torch and both models) for every page load and, left as it
ships, keeps it until the server stops; it also answers any Host header. This subclass adds:

* **a visitor cap** — a page load that would start kernel number ``max_visitors + 1`` gets a short
  "the blog is full, try again in a few minutes" page (HTTP 503) instead of a kernel;
* **idle kernels culled** — a kernel with no page connected to it (a closed tab, a reload, a plain
  GET that never opened the websocket) is shut down after ``cull_after`` seconds without activity.
  A page that is open keeps its kernel however long its visitor reads;
* **Host checked** — only ``127.0.0.1``/``localhost`` (what the server listens on) are served:
  a request that names another host, what a DNS-rebinding page sends, gets 403. Websockets also need
  their Origin to match the Host (Jupyter Server's check);
* **one upload limit** — the page states :data:`~emoface.blog.serve.UPLOAD_LIMIT_BYTES` and the app
  refuses a larger photo in words; the websocket takes messages four times that size (base64 and
  framing included), so such a photo arrives to be refused. Tornado's default, 10 MiB, dropped
  larger photos silently while the page still said the previous one was saved.

Run as ``python -m emoface.blog.voila_server [voila options] NOTEBOOK``;
:func:`emoface.blog.serve.voila_command` builds that command.
"""

from __future__ import annotations

from traitlets import Int
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from .serve import DEFAULT_CULL_AFTER_S, DEFAULT_MAX_VISITORS, UPLOAD_LIMIT_BYTES  # light: no torch here

#: A photo travels base64-encoded inside a JSON message (4/3 of its size, plus the message around
#: it); files up to four times the stated limit arrive and are refused with a message.
WEBSOCKET_LIMIT_BYTES = 4 * UPLOAD_LIMIT_BYTES * 4 // 3 + 1024 * 1024

FULL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>emoface blog: full</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>The blog is full right now</h1>
<p>It serves at most {cap} at once, and all places are taken. Try again in a few minutes: a page
that is closed frees its place within {minutes} minutes.</p></body></html>"""


class CappedVoilaHandler(TornadoVoilaHandler):
    """The notebook page, refused with a clear page when the kernels already number ``max_visitors``."""

    async def get(self, path=None):
        cap = self.settings["emoface_max_visitors"]
        running = len(self.kernel_manager.list_kernel_ids())
        if running >= cap:
            self.set_status(503)
            self.set_header("Retry-After", "60")
            minutes = max(1, round(2 * self.settings["emoface_cull_after_s"] / 60))
            self.finish(FULL_PAGE.format(cap=cap, minutes=minutes))
            return
        return await super().get(path)


class BlogVoila(Voila):
    """Voilà with a visitor cap, idle-kernel culling, a Host check and one upload limit."""

    name = "emoface-voila"
    max_visitors = Int(DEFAULT_MAX_VISITORS, config=True, help="kernels (visitors) served at once")
    cull_after = Int(DEFAULT_CULL_AFTER_S, config=True,
                     help="seconds a kernel with no page connected lives without activity")

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["allow_remote_access"] = False  # Voilà hard-codes True: any Host header was served
        settings["local_hostnames"] = ["localhost"]
        settings["websocket_max_message_size"] = WEBSOCKET_LIMIT_BYTES
        settings["emoface_max_visitors"] = self.max_visitors
        settings["emoface_cull_after_s"] = self.cull_after
        manager = self.kernel_manager
        manager.cull_idle_timeout = self.cull_after
        manager.cull_interval = max(5, self.cull_after // 4)
        manager.cull_connected = False  # an open page keeps its kernel
        manager.cull_busy = False  # a kernel still running the notebook is not idle
        return settings

    def init_handlers(self) -> list:
        return [(route[0], CappedVoilaHandler, *route[2:]) if route[1] is TornadoVoilaHandler else route
                for route in super().init_handlers()]


main = BlogVoila.launch_instance

if __name__ == "__main__":
    main()
