"""A progress bar on stderr for work that takes more than a moment (a sync's writes, a
long plan: `delayed_bar`).

Shown only when stderr is a terminal, and only once the work has run for half
a second, so a quick run prints nothing extra; it leaves no trace when done
(the change list and the summary line follow it).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: How long work runs before the bar appears.
DELAY_SECONDS = 0.5


def progress_bar() -> Callable[[int, str], Callable[[], None]]:
    """Return a progress starter: call it with the number of steps and the words before
    the bar (in the reader's language), then call what it returns after each step.

    Returns:
        The starter; on a stderr that is not a terminal, one that shows nothing.
    """

    def start(total: int, label: str) -> Callable[[], None]:
        if not sys.stderr.isatty():
            return lambda: None
        begun = time.monotonic()
        state: dict[str, Any] = {"done": 0, "bar": None}

        def step() -> None:
            state["done"] += 1
            bar = state["bar"]
            if bar is None and time.monotonic() - begun >= DELAY_SECONDS:
                from rich.console import Console
                from rich.progress import Progress

                bar = Progress(console=Console(stderr=True), transient=True)
                bar.start()
                state["bar"], state["task"] = bar, bar.add_task(label, total=total)
            if bar is not None:
                bar.update(state["task"], completed=state["done"])
                if state["done"] >= total:
                    bar.stop()

        return step

    return start


#: How long a run works before `delayed_bar` shows its bar: short runs never flash one.
LONG_RUN_SECONDS = 1.0


@contextmanager
def delayed_bar(label: Callable[[], str], delay: float = LONG_RUN_SECONDS) -> Iterator[None]:
    """Show a progress bar on stderr while the work inside runs, once it has run for
    `delay` seconds, and only when stderr is a terminal; it leaves no trace when done.

    The work (planning, rendering, writing) says nothing of its steps, so the bar
    pulses, with the time elapsed beside it; a timer thread starts it, so the work
    itself is not touched.

    Parameters:
        label: Returns the words before the bar, in the reader's language (asked only
            when the bar is shown).
        delay: Seconds before the bar appears.

    Returns:
        A context manager.
    """
    if not sys.stderr.isatty():
        yield
        return
    lock = threading.Lock()
    state: dict[str, Any] = {"bar": None, "done": False}

    def show() -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        words = label()
        with lock:
            if state["done"]:
                return
            bar = Progress(
                TextColumn(words),
                BarColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.add_task(words, total=None)
            bar.start()
            state["bar"] = bar

    timer = threading.Timer(delay, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["bar"] is not None:
                state["bar"].stop()
