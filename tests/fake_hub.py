"""A loopback stand-in for the Hugging Face Hub: the three requests ``huggingface_hub`` makes to pull a file.

- ``GET /api/models/{org}/{name}/tree/{rev}`` (``list_repo_files``): the file list as JSON.
- ``HEAD /{org}/{name}/resolve/{rev}/{file}`` (``hf_hub_download``'s metadata): ``X-Repo-Commit``, ``ETag``,
  ``Content-Length``; a 404 carries the Hub's ``X-Error-Code`` (``RepoNotFound`` / ``EntryNotFound``), which is
  how the library tells a missing repository from a missing file.
- ``GET`` of the same URL: the bytes, honouring ``Range: bytes=N-`` with a 206. ``cut_after[file] = n`` sends
  the full ``Content-Length`` but only ``n`` bytes on the first GET and then drops the connection, as a network
  failure does; every request is logged with its Range header so a test can see the resume happen.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_TREE = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/?]+)")
_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>[^?]+)")
_RANGE = re.compile(r"^bytes=(\d+)-$")


@dataclass
class FakeHub:
    repos: dict[str, dict[str, bytes]] = field(default_factory=dict)
    cut_after: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    url: str = ""

    def commit(self, repo: str) -> str:
        return hashlib.sha1(repo.encode()).hexdigest()


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def _error(self, code: int, error_code: str, repo: str | None = None) -> None:
            self.send_response(code)
            self.send_header("X-Error-Code", error_code)
            if repo is not None:
                self.send_header("X-Repo-Commit", hub.commit(repo))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._serve(body=True)

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def _serve(self, body: bool) -> None:
            hub.requests.append((self.command, self.path, self.headers.get("Range")))
            tree = _TREE.match(self.path)
            if tree and body:
                files = hub.repos.get(tree.group("repo"))
                if files is None:
                    return self._error(404, "RepoNotFound")
                listing = [
                    {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                    for name, data in files.items()
                ]
                payload = json.dumps(listing).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return None
            resolve = _RESOLVE.match(self.path)
            if resolve is None:
                return self._error(404, "RepoNotFound")
            repo, name = resolve.group("repo"), resolve.group("file")
            if repo not in hub.repos:
                return self._error(404, "RepoNotFound")
            data = hub.repos[repo].get(name)
            if data is None:
                return self._error(404, "EntryNotFound", repo)
            start = 0
            wanted = _RANGE.match(self.headers.get("Range") or "")
            if wanted and body:
                start = int(wanted.group(1))
            self.send_response(206 if start else 200)
            self.send_header("X-Repo-Commit", hub.commit(repo))
            self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if not body:
                return None
            cut = hub.cut_after.pop(name, None)
            if cut is not None:
                self.wfile.write(data[start:cut])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # the rest never comes: the client sees a short body
                return None
            self.wfile.write(data[start:])
            return None

    return Handler


class FakeHubServer:
    """``with FakeHubServer(hub) as url:`` serves ``hub`` on 127.0.0.1 until the block ends."""

    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        self.hub.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.hub.url

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def tiny_gguf(padding: int = 0) -> bytes:
    """A GGUF header with no tensors and no metadata (version 3), padded to ``padding`` extra bytes."""
    return b"GGUF" + (3).to_bytes(4, "little") + bytes(16) + bytes(padding)
