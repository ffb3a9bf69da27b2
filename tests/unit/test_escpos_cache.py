"""python-escpos's printer database is parsed once per machine, not once per start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from printers.escpos_cache import SETTING, keep_capabilities_cached

ROOT = Path(__file__).resolve().parents[2]
# A fresh interpreter: this one may have imported python-escpos already.
PROBE = (
    "import json, os, printers, escpos.capabilities as c;"
    "print(json.dumps({'full_load': c.full_load, 'pickle': c.pickle_path,"
    f" 'setting': os.environ.get({SETTING!r})}}))"
)


def start(
    cache_home: Path, temporary: Path | None = None, setting: str | None = None
) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != SETTING}
    if setting is not None:
        env[SETTING] = setting
    env["XDG_CACHE_HOME"] = str(cache_home)
    if temporary is not None:
        env["TMPDIR"] = str(temporary)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_first_start_writes_the_pickle_and_the_next_ones_load_it(tmp_path: Path):
    cache = tmp_path / "antrian" / "escpos"
    first = start(tmp_path)
    assert first["full_load"] is True
    assert first["setting"] == str(cache)
    assert [p.name for p in cache.iterdir()] == [Path(str(first["pickle"])).name]  # no scratch
    assert cache.stat().st_mode & 0o777 == 0o700

    second = start(tmp_path)
    assert second["full_load"] is False  # read from the pickle, not parsed again
    assert Path(str(second["pickle"])).parent == cache


def test_a_directory_others_may_write_in_is_not_used(tmp_path: Path):
    cache = tmp_path / "antrian" / "escpos"
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    assert keep_capabilities_cached(environ) is None
    assert SETTING not in environ


def test_an_operators_own_setting_is_kept(tmp_path: Path):
    environ = {SETTING: "/srv/escpos", "XDG_CACHE_HOME": str(tmp_path)}
    assert keep_capabilities_cached(environ) is None
    assert environ[SETTING] == "/srv/escpos"
    assert not (tmp_path / "antrian").exists()


def test_a_start_leaves_nothing_in_the_temporary_directory(tmp_path: Path):
    # python-escpos makes a directory there on import whatever its setting says.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    cache = tmp_path / "cache"
    first = start(cache, temporary)
    second = start(cache, temporary)
    # A process started by a server (a worker, a tool) inherits the setting it made.
    third = start(cache, temporary, setting=str(cache / "antrian" / "escpos"))
    assert first["full_load"] is True and second["full_load"] is third["full_load"] is False
    assert list(temporary.iterdir()) == []
    assert [p.name for p in (cache / "antrian" / "escpos").iterdir()] == [
        Path(str(first["pickle"])).name
    ]
