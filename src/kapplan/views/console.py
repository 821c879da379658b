"""Rich consoles that print into text: what every terminal view is drawn on.

Imported only to render for people: the JSON and .ics paths never load Rich.
"""

from __future__ import annotations

import io

from rich.console import Console

from kapplan.model.plan import Phase

#: The colour of each phase; every view also says the phase in words or letters,
#: so it reads the same without colour.
PHASE_STYLE = {
    Phase.PREPARATION: "bold cyan",
    Phase.EXPERIENCE: "bold magenta",
    Phase.INTEGRATION: "bold green",
}


def text_console(buffer: io.StringIO, width: int, color: bool) -> Console:
    """Return a console that prints into a buffer: no markup, emoji or highlighting.

    Parameters:
        buffer: Where the text goes.
        width: Columns to lay out for.
        color: Emit ANSI colour codes; plain text otherwise.

    Returns:
        The console.
    """
    return Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )


def plain_lines(text: str) -> str:
    """Return text with each line's trailing blanks removed, ending in a newline."""
    # Rich pads every line to the width; trailing blanks only get in the way of
    # pipes and diffs.
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


__all__ = ["PHASE_STYLE", "plain_lines", "text_console"]
