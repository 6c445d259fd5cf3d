"""The download path, against a local HTTP server this test starts (never the internet)."""

import hashlib
import http.server
import socket
import threading
from functools import partial

import pytest

from emoface import download
from emoface.download import DownloadError, Resource, fetch, fetch_gdrive

PAYLOAD = b"emoface test payload\n" * 5000
GOOD = hashlib.sha256(PAYLOAD).hexdigest()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serving(handler):
    """A local HTTP server for ``handler`` while the generator is suspended: yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "file.bin").write_bytes(PAYLOAD)
    yield from _serving(partial(QuietHandler, directory=str(served)))


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_fetch_checks_the_hash_and_lands_atomically(server, tmp_path):
    out = tmp_path / "data"
    path = fetch(f"{server}/file.bin", sha256=GOOD, folder=out, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert leftovers(out) == ["file.bin"]


def test_a_present_good_file_is_not_fetched_again(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "file.bin").write_bytes(PAYLOAD)
    # no server at all: it must not try
    assert fetch("http://127.0.0.1:9/file.bin", sha256=GOOD, folder=out, progress=False).read_bytes() == PAYLOAD


def test_bad_hash_saves_nothing(server, tmp_path):
    out = tmp_path / "data"
    with pytest.raises(DownloadError, match="SHA-256.*Nothing was saved"):
        fetch(f"{server}/file.bin", sha256="0" * 64, folder=out, progress=False)
    assert leftovers(out) == []


def test_a_bad_existing_copy_is_replaced_by_a_good_one(server, tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "file.bin").write_bytes(PAYLOAD[:100])  # a truncated earlier download
    assert fetch(f"{server}/file.bin", sha256=GOOD, folder=out, progress=False).read_bytes() == PAYLOAD


def test_missing_file_says_it_moved(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404.*download it by hand from https://example.org"):
        fetch(f"{server}/gone.bin", sha256=None, folder=tmp_path / "data", progress=False, homepage="https://example.org")
    assert leftovers(tmp_path / "data") == []


def test_offline_says_so(tmp_path):
    with socket.socket() as sock:  # a port that is free now and refuses connections
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match="offline.*save it as"):
        fetch(f"http://127.0.0.1:{port}/file.bin", sha256=GOOD, folder=tmp_path, progress=False, timeout=5)
    assert leftovers(tmp_path) == []


def test_default_folder_is_the_data_folder(server, isolated_dirs):
    path = Resource("named.bin", GOOD, url=f"{server}/file.bin").fetch(progress=False)
    assert path == isolated_dirs.resolve() / "data" / "named.bin"


def test_gdrive_goes_through_gdown_and_the_same_check(tmp_path, monkeypatch):
    import gdown

    calls = []

    def fake_download(id, output, quiet):  # noqa: A002 - gdown's own argument name
        calls.append(id)
        with open(output, "wb") as handle:
            handle.write(PAYLOAD)
        return output

    monkeypatch.setattr(gdown, "download", fake_download)
    path = fetch_gdrive("abc123", "drive.bin", sha256=GOOD, folder=tmp_path, progress=False)
    assert calls == ["abc123"] and path.read_bytes() == PAYLOAD
    with pytest.raises(DownloadError, match="SHA-256"):
        fetch_gdrive("abc123", "other.bin", sha256="1" * 64, folder=tmp_path, progress=False)
    assert leftovers(tmp_path) == ["drive.bin"]


def test_gdrive_failure_is_explained(tmp_path, monkeypatch):
    import gdown

    monkeypatch.setattr(gdown, "download", lambda **kwargs: None)
    with pytest.raises(DownloadError, match="drive.google.com/file/d/xyz"):
        fetch_gdrive("xyz", "f.bin", sha256=None, folder=tmp_path, progress=False)

    def quota(**kwargs):
        raise RuntimeError("Too many users have viewed or downloaded this file recently")

    monkeypatch.setattr(gdown, "download", quota)
    with pytest.raises(DownloadError, match="Too many users.*try again later"):
        fetch_gdrive("xyz", "f.bin", sha256=None, folder=tmp_path, progress=False)
    assert leftovers(tmp_path) == []


def test_sha256_of_matches_hashlib(tmp_path):
    (tmp_path / "f").write_bytes(PAYLOAD)
    assert download.sha256_of(tmp_path / "f") == GOOD


class CutHandler(http.server.BaseHTTPRequestHandler):
    """Declares the whole payload, sends a third of it, and hangs up: a connection cut mid-download."""

    chunked = False

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        part = PAYLOAD[: len(PAYLOAD) // 3]
        if self.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(f"{len(PAYLOAD):x}\r\n".encode() + part)  # a chunk that never ends
        else:
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(part)
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture(params=[False, True], ids=["content-length", "chunked"])
def cutting_server(request):
    yield from _serving(type("Handler", (CutHandler,), {"chunked": request.param}))


def test_a_cut_download_without_a_pinned_hash_is_never_kept(cutting_server, tmp_path):
    out = tmp_path / "data"
    with pytest.raises(DownloadError, match="cut short|could not download"):
        fetch(f"{cutting_server}/file.bin", sha256=None, folder=out, progress=False)
    assert leftovers(out) == []  # nothing that looks complete, no part file


def test_a_killed_download_leaves_no_part_file_after_the_next_attempt(server, tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / ".file.bin.abc123.part").write_bytes(b"half")  # what a killed process leaves
    fetch(f"{server}/file.bin", sha256=GOOD, folder=out, progress=False)
    assert leftovers(out) == ["file.bin"]
