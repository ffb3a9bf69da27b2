"""How many write transactions one server process runs on PostgreSQL at once.

A process runs one thread of Python at a time (its interpreter lock). Eight officers calling
at once on one process held eight transactions open, each with its row locks (its service's
waiting count, the mall's version row), while each waited its turn for the interpreter
between statements: the locks were held longest exactly when the process was busiest, and the
racing calls' p99 was 67-90 ms. With at most four open at once the others wait before they
begin, holding nothing, and the p99 fell to 42-53 ms, with the same or more calls a second and
less CPU per call (bench/README.md, runs 9 and 10). SQLite allows one writer at all and queues the
process's writers on a lock (core/store.py); this is that lock, wider.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import TimeoutError as PoolTimeout

POSTGRES_WRITERS = 4  # 3 and 4 measured alike; 1 and 2 slower, 8 (no limit) the long tail


class WriteTurns:
    """At most `limit` write transactions of this process at once; the rest wait in turn.

    In turn, first come first served: a turn given back goes straight to the writer that has
    waited longest. (A semaphore lets the thread that gave it back take it again at once: one
    counter calling, finishing and calling again kept the turns while ten others waited, and
    a racing call waited over the two seconds call-next gives locked heads.) A thread already
    holding a turn (a write opened inside another) does not take a second, so nesting cannot
    deadlock the process. A writer that waited `wait_seconds` in vain gets the pool's own
    timeout error: answered 503 like a pool with no connection free, and not taken for a
    database fault (core/health.py)."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        if limit < 1:
            raise ValueError(f"at least one writer, got {limit}")
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._free = limit
        self._waiting: deque[threading.Event] = deque()
        self._depth = threading.local()

    @contextmanager
    def turn(self) -> Iterator[None]:
        depth = getattr(self._depth, "value", 0)
        if depth == 0 and not self._take():
            raise PoolTimeout(
                f"{self.limit} write transactions of this process stayed busy for "
                f"{self.wait_seconds:g} s"
            )
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth
            if depth == 0:
                self._give_back()

    def _take(self) -> bool:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            handed = threading.Event()
            self._waiting.append(handed)
        if handed.wait(self.wait_seconds):
            return True
        with self._lock:
            if handed.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(handed)
            return False

    def _give_back(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the turn passes on, never back to the pool
            else:
                self._free += 1
