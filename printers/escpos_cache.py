"""Where python-escpos keeps its parsed printer database from one start to the next.

On import, python-escpos parses its printer database (`capabilities.json`, read with the
pure-Python YAML loader: about 0.2 s of CPU) and pickles the result for the next start. By
default it pickles into a new temporary directory each time: the pickle is never found again
and every process pays the parse. (The library makes that directory on import whatever the
setting says; it is made in a scratch folder of the cache here and removed with it, so a
process, each gunicorn worker included, leaves no empty directory in /tmp.)

`ESCPOS_CAPABILITIES_PICKLE_DIR` (the library's own setting) points it at a lasting directory
instead: a private one under the user's cache, since a pickle is code. The first process to
start writes the pickle in a scratch directory and moves it into place in one step, so a
server starting beside it never reads half a file.
"""

from __future__ import annotations

import importlib
import os
import platform
import stat
import sys
import tempfile
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

SETTING = "ESCPOS_CAPABILITIES_PICKLE_DIR"
CAPABILITIES = "escpos.capabilities"


def keep_capabilities_cached(environ: MutableMapping[str, str] = os.environ) -> Path | None:
    """Point python-escpos at a lasting, private cache before it is first imported; the cache
    directory, or None where the operator set one or none can be had (the library's default
    then applies)."""
    if SETTING in environ:  # the operator's, or inherited from the process that started this
        _import_tidily(Path(environ[SETTING]), environ)
        return None
    cache = _private_directory(environ)
    if cache is None:
        return None
    # The library's own name for it; should that name change, the first start's write is
    # merely repeated at each start.
    if not (cache / f"{platform.python_version()}.capabilities.pickle").exists():
        _write_the_first_pickle(cache, environ)
    environ[SETTING] = str(cache)
    _import_tidily(cache, environ)
    return cache


def _import_tidily(folder: Path, environ: MutableMapping[str, str]) -> None:
    """Import the library's printer database now, its stray temporary directory made in
    `folder` and removed (`_temporary_directories_in`)."""
    if environ is not os.environ or CAPABILITIES in sys.modules:
        return
    try:
        with _temporary_directories_in(folder):
            importlib.import_module(CAPABILITIES)
    except OSError:
        pass  # imported later the library's way, an empty directory left in /tmp


@contextmanager
def _temporary_directories_in(folder: Path) -> Iterator[None]:
    """Temporary directories made without saying where (the library's on import) go into a
    scratch folder of `folder`, removed with everything in it. At start-up, before this
    process runs any thread that makes temporary files."""
    saved = tempfile.tempdir
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        tempfile.tempdir = scratch
        try:
            yield
        finally:
            tempfile.tempdir = saved


def _private_directory(environ: MutableMapping[str, str]) -> Path | None:
    base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = base / "antrian" / "escpos"
    try:
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        status = cache.stat()
    except OSError:
        return None
    # Another user's directory, or one others may write in, could hand us their pickle.
    if status.st_uid != os.getuid() or stat.S_IMODE(status.st_mode) & 0o022:
        return None
    return cache


def _write_the_first_pickle(cache: Path, environ: MutableMapping[str, str]) -> None:
    try:
        with tempfile.TemporaryDirectory(dir=cache) as scratch:
            environ[SETTING] = scratch
            with _temporary_directories_in(cache):
                capabilities = importlib.import_module(CAPABILITIES)
            written = Path(capabilities.pickle_path)
            if written.parent == Path(scratch) and written.exists():
                os.replace(written, cache / written.name)
    except OSError:
        pass  # a later start tries again; this one has its database in memory
