"""Progress of long work (a load, a sync, a build) for whoever waits on it: one line rewritten in place on a
terminal, a compact line a minute in a log, or a callback (the dashboard's status box).

A `Reporter` keeps the state: what runs, records and pages so far, the build step, and the current wait and its
reason. Any thread may change it (a sync fetches in a background thread, and its rate-limit waits happen there),
but only the thread that made the reporter shows it, so a display never has to be thread-safe (Streamlit's may
only be drawn from the script's own thread): that thread calls `refresh()` whenever it has nothing else to do.
"""

from __future__ import annotations

import math
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

Clock = Callable[[], float]


@dataclass(frozen=True)
class Status:
    """What a long task is doing now."""

    task: str
    records: int = 0
    pages: int = 0
    step: str = ""
    elapsed: float = 0.0
    waiting: float = 0.0  # seconds left of the current wait (0: not waiting)
    why: str = ""  # what the current wait is for
    waits: int = 0  # waits so far, and their seconds
    waited: float = 0.0

    def line(self) -> str:
        """`sync zendesk/tickets: 1,200 records, 12 pages, 1:30; 3 waits (61 s); waiting 28 s: <why>`."""
        counts = [f"{self.records:,} records" if self.records or self.pages else "",
                  f"{self.pages:,} pages" if self.pages else "", self.step, clock_text(self.elapsed)]
        text = f"{self.task}: {', '.join(c for c in counts if c)}"
        if self.waits:
            text += f"; {self.waits} waits ({self.waited:.0f} s)"
        if self.waiting > 0:  # last: a narrow terminal cuts the end of the reason, not the counts
            text += f"; waiting {math.ceil(self.waiting)} s: {self.why}"
        return text


def clock_text(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}" if minutes >= 60 else f"{minutes}:{seconds:02d}"


class Reporter:
    """The state of one long task at a time, shown through `show` (nothing when None)."""

    def __init__(self, show: Callable[[Status], None] | None = None, *, clock: Clock = time.monotonic):
        self.show, self.clock = show, clock
        self.owner = threading.get_ident()
        self.lock = threading.Lock()
        self.start("")

    def start(self, task: str) -> None:
        """A new task: counts, step and waits start from nothing."""
        with self.lock:
            self.task, self.records, self.pages, self.step_name = task, 0, 0, ""
            self.started, self.wait_ends, self.wait_began, self.why = self.clock(), None, None, ""
            self.waits, self.waited = 0, 0.0
        self.refresh()

    def advance(self, records: int = 0, pages: int = 0) -> None:
        with self.lock:
            self.records += records
            self.pages += pages
        self.refresh()

    def step(self, name: str) -> None:
        with self.lock:
            self.step_name = name
        self.refresh()

    def wait(self, seconds: float, why: str) -> None:
        """A wait of `seconds` begins (a rate limit, a retry after an error), for the reason `why`."""
        with self.lock:
            now = self.clock()
            self.wait_began, self.wait_ends, self.why = now, now + seconds, why
            self.waits += 1
        self.refresh()

    def resume(self) -> None:
        """The wait is over."""
        with self.lock:
            if self.wait_began is not None:
                self.waited += self.clock() - self.wait_began
            self.wait_began = self.wait_ends = None
        self.refresh()

    def status(self) -> Status:
        with self.lock:
            now = self.clock()
            waiting = max(self.wait_ends - now, 0.0) if self.wait_ends is not None else 0.0
            return Status(self.task, self.records, self.pages, self.step_name, now - self.started,
                          waiting, self.why if self.wait_ends is not None else "", self.waits, self.waited)

    def refresh(self) -> None:
        """Show the state, when called from the thread that made the reporter (others only change it)."""
        if self.show is not None and threading.get_ident() == self.owner and self.task:
            self.show(self.status())

    def finish(self) -> None:
        """The work is done: a display that holds a line lets it go (the caller prints its summary next)."""
        close = getattr(self.show, "close", None)
        if close is not None and threading.get_ident() == self.owner:
            close()


class TerminalLine:
    """One line rewritten in place with a carriage return, at most every `gap` seconds and only when it changed."""

    def __init__(self, stream: TextIO, *, clock: Clock = time.monotonic, gap: float = 0.1, width: int | None = None):
        self.stream, self.clock, self.gap = stream, clock, gap
        self.width = width or max(shutil.get_terminal_size().columns - 1, 20)
        self.shown, self.shown_at = "", None

    def __call__(self, status: Status) -> None:
        text, now = status.line()[:self.width], self.clock()
        if text == self.shown or (self.shown_at is not None and now - self.shown_at < self.gap):
            return
        # pad over what the longer previous line left behind
        self.stream.write("\r" + text + " " * max(len(self.shown) - len(text), 0))
        self.stream.flush()
        self.shown, self.shown_at = text, now

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * len(self.shown) + "\r")
            self.stream.flush()
        self.shown, self.shown_at = "", None


class PeriodicLines:
    """A whole line every `interval` seconds at most, for logs and pipes: a long wait costs a line a minute, not
    a line per retry, and work shorter than the interval prints none (its summary says it all)."""

    def __init__(self, stream: TextIO, *, clock: Clock = time.monotonic, interval: float = 60.0):
        self.stream, self.clock, self.interval = stream, clock, interval
        self.due = clock() + interval

    def __call__(self, status: Status) -> None:
        now = self.clock()
        if now < self.due:
            return
        self.stream.write(status.line() + "\n")
        self.stream.flush()
        self.due = now + self.interval


def console(stream: TextIO | None = None, *, clock: Clock = time.monotonic) -> TerminalLine | PeriodicLines:
    """The display for a command line: a rewritten line on a terminal, else a line a minute."""
    stream = stream or sys.stderr
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return TerminalLine(stream, clock=clock) if is_terminal else PeriodicLines(stream, clock=clock)


def throttled(show: Callable[[Status], None], every: float = 0.5, *,
              clock: Clock = time.monotonic) -> Callable[[Status], None]:
    """`show`, called at most every `every` seconds and only with a changed line (a dashboard redraws on each)."""
    last = {"at": None, "line": None}

    def call(status: Status) -> None:
        now, line = clock(), status.line()
        if line == last["line"] or (last["at"] is not None and now - last["at"] < every):
            return
        last["at"], last["line"] = now, line
        show(status)
    return call
