"""Static files for every front-end: versioned addresses, browser caching and gzip.

- **Versions.** `url_for` on a static endpoint (`static`, `kiosk.static`, …) adds `?v=` and the
  first 12 hex digits of the file's SHA-256, so a page names the exact content it wants. Every
  template already builds its asset addresses with `url_for`, so none had to change.
- **Caching.** A request whose `v` is the file's current version is answered with
  `Cache-Control: public, max-age=31536000, immutable`: a kiosk or a hallway TV reloading its
  page asks for nothing again until a file changes, and then the new address misses the cache.
  Any other request (no `v`, or an old one after an update) gets `no-cache` and revalidates
  with its ETag, so a stale file is never kept.
- **Compression.** Text files of 1 KiB or more are sent gzipped to clients that accept it. Each
  file is compressed once per version, at the highest level, and kept in memory; the ETag of the
  gzipped body differs from the plain one's, and conditional requests still answer 304.

Why not flask-compress: it compresses every response per request unless a cache is configured,
and it brings Brotli and zstandard native packages to every server for a handful of files that
change only with a release. The standard library's gzip, once per file version, is enough.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from typing import Any

from flask import Flask, Response, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
VERSIONED = f"public, max-age={ONE_YEAR}, immutable"
REVALIDATE = "no-cache"
GZIP_MIN_BYTES = 1024
COMPRESSIBLE = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "text/html",
        "text/plain",
    }
)
_MAX_CACHED = 128  # files × versions kept in memory; far more than the pages use


class StaticAssets:
    """Versions, cache headers and gzip for the app's and the blueprints' static files."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._versions: dict[tuple[str, int, int], str] = {}
        self._gzipped: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()
        app.url_defaults(self._add_version)
        app.after_request(self._finish)
        app.extensions["antrian.assets"] = self

    # ------------------------------------------------------------------ versions
    def _folder(self, endpoint: str) -> str | None:
        if endpoint == "static":
            return self.app.static_folder
        name, _, last = endpoint.rpartition(".")
        if last != "static":
            return None
        blueprint = self.app.blueprints.get(name)
        return blueprint.static_folder if blueprint is not None else None

    def version(self, endpoint: str, filename: str) -> str | None:
        """The content hash of a static file, or None when there is no such file."""
        folder = self._folder(endpoint)
        path = safe_join(folder, filename) if folder else None
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size)
        found = self._versions.get(key)
        if found is None:
            with open(path, "rb") as file:
                found = hashlib.sha256(file.read()).hexdigest()[:12]
            with self._lock:
                if len(self._versions) >= _MAX_CACHED:
                    self._versions.clear()
                self._versions[key] = found
        return found

    def _add_version(self, endpoint: str, values: dict[str, Any]) -> None:
        filename = values.get("filename")
        if "v" in values or not isinstance(filename, str) or self._folder(endpoint) is None:
            return
        found = self.version(endpoint, filename)
        if found is not None:
            values["v"] = found

    # ------------------------------------------------------------------ responses
    def _finish(self, response: Response) -> Response:
        endpoint = request.endpoint or ""
        if self._folder(endpoint) is None:
            return response
        filename = (request.view_args or {}).get("filename", "")
        asked = request.args.get("v")
        current = self.version(endpoint, filename) if asked else None
        immutable = response.status_code in (200, 304) and asked is not None and asked == current
        response.headers["Cache-Control"] = VERSIONED if immutable else REVALIDATE
        if response.mimetype in COMPRESSIBLE:
            response.vary.add("Accept-Encoding")
            self._gzip(response)
        return response

    def _gzip(self, response: Response) -> None:
        if (
            response.status_code != 200
            or "Content-Encoding" in response.headers
            or request.accept_encodings["gzip"] <= 0
        ):
            return
        etag, weak = response.get_etag()
        if etag is None or (response.content_length or 0) < GZIP_MIN_BYTES:
            return
        key = (request.path, etag)
        body = self._gzipped.get(key)
        if body is None:
            response.direct_passthrough = False  # read the file (send_file streams it)
            body = gzip.compress(response.get_data(), compresslevel=9, mtime=0)
            with self._lock:
                if len(self._gzipped) >= _MAX_CACHED:
                    self._gzipped.clear()
                self._gzipped[key] = body
        else:
            response.direct_passthrough = False
            closing = getattr(response.response, "close", None)
            if closing is not None:
                closing()  # the file send_file opened is not read at all
        response.set_data(body)
        response.headers["Content-Encoding"] = "gzip"
        response.headers.pop("Accept-Ranges", None)  # ranges are served of the plain file only
        # A different body needs a different validator; a client that kept the gzipped body
        # sends this one back, and gets a 304 here (send_file only knew the plain ETag).
        response.set_etag(f"{etag}-gzip", weak)
        response.make_conditional(request.environ)
