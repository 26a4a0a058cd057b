"""The dashboard's background threads (the job worker, warming, the audit writer), and their stop before exit.

Why this exists: at exit Python ends the daemon threads still running by unwinding them from wherever they are.
A thread inside DuckDB's C++ at that moment aborts the whole process ("FATAL: exception not rethrown", exit code
134) after everything else has finished well: a test run that passed every test failed so. So every thread that
queries the store is started here with a stop event, and is stopped and joined while the interpreter still runs
(atexit runs before daemon threads are ended)."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable

# how long the exit waits for a thread to finish what it is doing (a warm-up, a poll; a build in flight may take
# longer, and is then left to the interpreter as before)
STOP_TIMEOUT_SECONDS = 60.0

_lock = threading.Lock()
_stopping = threading.Event()
_threads: list[threading.Thread] = []


def start(name: str, work: Callable[[threading.Event], None]) -> threading.Thread:
    """Run `work(stopping)` in a daemon thread; `work` returns soon after `stopping` is set."""
    with _lock:
        thread = threading.Thread(target=work, args=(_stopping,), name=name, daemon=True)
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
    thread.start()
    return thread


def stop_all(timeout: float = STOP_TIMEOUT_SECONDS) -> list[str]:
    """Ask every background thread to stop and wait for them; threads started afterwards run normally.
    Returns the names of those still running after `timeout`."""
    global _stopping
    with _lock:
        stopping, threads = _stopping, _threads[:]
        _stopping = threading.Event()
        _threads.clear()
    stopping.set()
    current = threading.current_thread()
    for thread in threads:
        if thread is not current:
            thread.join(timeout)
    return [t.name for t in threads if t.is_alive() and t is not current]


def running() -> list[str]:
    """The names of the background threads still running."""
    with _lock:
        return [t.name for t in _threads if t.is_alive()]


atexit.register(stop_all)
