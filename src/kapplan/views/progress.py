"""A progress bar on stderr for work that takes more than a moment (a sync's writes).

Shown only when stderr is a terminal, and only once the work has run for half
a second, so a quick run prints nothing extra; it leaves no trace when done
(the change list and the summary line follow it).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
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
