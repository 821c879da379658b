"""Rich consoles that print into text: what every terminal view is drawn on.

Every text a view prints passes, once laid out, through
`kapplan.characters.visible` here, whoever built it: a control character or a
bidirectional override from a schedule, a rulebook or a file name is shown as
``\\x1b`` or ``\\u202e`` and never reaches the terminal. The consoles read no
markup either: ``[bold]`` in a client label prints as typed.

Imported only to render for people: the JSON and .ics paths never load Rich.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
from rich.segment import Segment

from kapplan.characters import visible
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
    console = Console(
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
    console.push_render_hook(_Visible())
    return console


class _Visible(RenderHook):
    """Show the control characters in whatever a console prints (see the module docstring)."""

    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Shown(renderable) for renderable in renderables]


class _Shown:
    """A renderable whose text segments go through `visible`; Rich's own styles do not."""

    def __init__(self, renderable: ConsoleRenderable) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments: Iterable[Segment] = console.render(self.renderable, options)
        for segment in segments:
            if segment.control:
                yield segment
            else:
                yield Segment(visible(segment.text, keep="\n"), segment.style)


def plain_lines(text: str) -> str:
    """Return text with each line's trailing blanks removed, ending in a newline."""
    # Rich pads every line to the width; trailing blanks only get in the way of
    # pipes and diffs.
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


__all__ = ["PHASE_STYLE", "plain_lines", "text_console"]
