"""Borderless tables and indented lines laid out as Rich lays them out, fast for thousands.

The agenda of a 1,000-dose plan has 7,000 rows and 999 warnings. Rich's
`Table` sends every cell through its whole pipeline (a `Padding`, a console
render, line splitting and padding) and measures every cell twice for each
table and again for the `Padding` around it: about a millisecond a row,
seconds for the plan. `Grid` is the table the views used, ``Table(box=None,
show_header=False, padding=(0, 1), pad_edge=False)``, laid out the same way:

- each column is measured once (its widest word and its widest line), and
  the column widths are worked out, collapsed and reduced with the same
  arithmetic as `Table`, for the measuring `Padding` and for the rendering;
- a cell of one style (no line break, tab or styled part of its own) is
  written straight away: on one line if it fits, else wrapped between words
  as Rich wraps a `Text`, each line justified and padded as Rich pads it (the
  pad in the text's style, where Rich styles it);
- any other cell (a word wider than its column, which Rich folds or crops)
  is rendered by Rich itself, exactly as `Table` renders it, and its row is
  shaped as `Table` shapes it.

`Block` puts a grid under a heading, indented, as a `Padding` of a `Group`
does, without padding every line once more; `Indented` writes paragraphs
(warnings) as a `Padding` of each paragraph's `Text` does.

The segments printed are the same as Rich's, so the bytes are too, in colour
and without, and every text still goes through the consoles' `visible`
(`kapplan.views.console`); ``tests/test_grid.py`` compares the two on random
tables and texts. A grid is drawn on those consoles, which read no markup
and no emoji: a `str` cell is the `Text` of that string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from msgspec import Struct
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.control import strip_control_codes
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from kapplan.characters import hides


class Column(Struct, frozen=True):
    """How a grid's column is laid out: as the same arguments to ``Table.add_column``."""

    min_width: int | None = None
    """Fewest columns its content takes (its padding aside), or None."""
    no_wrap: bool = False
    """True: its cells are never wrapped, and it never shrinks to fit the width."""
    justify: Literal["left", "right"] = "left"
    """Where its text sits in the column."""
    overflow: Literal["fold", "crop", "ellipsis"] = "ellipsis"
    """What becomes of a word too long for the column."""


class Grid:
    """A borderless table without a header, columns a space of padding apart.

    Prints as ``Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)``
    with the same columns and rows prints (see the module docstring).
    """

    def __init__(self, *columns: Column) -> None:
        """Start an empty grid.

        Parameters:
            columns: Its columns, left to right (at least one).

        Raises:
            ValueError: Without columns.
        """
        if not columns:
            raise ValueError("a grid needs a column")
        self.columns = columns
        self.rows: list[tuple[_Cell, ...]] = []
        last = len(columns) - 1
        #: Each column's (left, right) padding: a space inside every edge between columns.
        self._pads = [(0 if i == 0 else 1, 0 if i == last else 1) for i in range(len(columns))]
        self._spans: list[tuple[int, int]] | None = None

    def add_row(self, *cells: str | Text) -> None:
        """Add a row.

        Parameters:
            cells: One cell per column; a string is shown as it is (no markup). A
                text is read as it is now: change it later and the grid does not see it.

        Raises:
            ValueError: When the cells are not one per column.
        """
        if len(cells) != len(self.columns):
            raise ValueError(f"a row of this grid has {len(self.columns)} cells, not {len(cells)}")
        self.rows.append(tuple(_cell(cell) for cell in cells))
        self._spans = None

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """Measure the grid as Rich measures a table (for a `Padding` that does not expand)."""
        if options.max_width < 0:
            return Measurement(0, 0)
        spans = self._text_spans()
        total = sum(self._widths(spans, options.max_width))
        measured = [self._measure(index, spans, total) for index in range(len(self.columns))]
        return Measurement(sum(low for low, _ in measured), sum(high for _, high in measured))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Render the grid's rows, as Rich renders the table's."""
        new_line = Segment.line()
        for line in self._lines(console, options, self.widths(console, options)):
            yield from line
            yield new_line

    def widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        """Return the columns' widths, padding included, as the grid renders with `options`.

        Parameters:
            console: The console it is drawn on.
            options: The options it is rendered with (their width, above all).

        Returns:
            A width per column; every line of the grid is their sum wide.
        """
        return self._widths(self._text_spans(), options.max_width)

    def _lines(
        self, console: Console, options: ConsoleOptions, widths: Sequence[int]
    ) -> Iterator[list[Segment]]:
        """Yield the grid's lines (without their line ends), each `sum(widths)` wide."""
        column_options = [
            options.update(
                width=width,
                justify=column.justify,
                no_wrap=column.no_wrap,
                overflow=column.overflow,
                height=None,
                highlight=False,
            )
            for width, column in zip(widths, self.columns, strict=True)
        ]
        written: list[dict[tuple[str, str | Style], Segment | None]] = [{} for _ in widths]
        # Wider than the room (columns at their least), each line is cropped where it is
        # printed, segment by segment as Rich made them: a character of no width at the cut
        # stays or goes by the segment it is in, so the cells stay apart.
        joined = sum(widths) <= options.max_width
        for row in self.rows:
            line = self._one_line(row, widths, written, console) if joined else None
            if line is not None:
                yield line
                continue
            cells = [
                _cell_lines(cell, width, pads, column, cell_options, console)
                for cell, width, pads, column, cell_options in zip(
                    row, widths, self._pads, self.columns, column_options, strict=True
                )
            ]
            height = max(len(lines) for lines in cells)
            # A row is a line high at least, even when its cells render no line.
            shaped = [
                Segment.set_shape(
                    Segment.align_top(lines, width, height, Style.null()), width, max(1, height)
                )
                for lines, width in zip(cells, widths, strict=True)
            ]
            for number in range(max(1, height)):
                yield [segment for lines in shaped for segment in lines[number]]

    def _text_spans(self) -> list[tuple[int, int]]:
        """Return each column's widest word and widest line, over its cells, in cells.

        A table measures each cell and takes the largest; every step between a
        text's own measure and its column's (padding added, capped at the
        width) keeps order, so measuring the widest word and line once gives
        the same column measure at any width.
        """
        if self._spans is None:
            spans = []
            for index in range(len(self.columns)):
                measured = [_measure_text(row[index].plain) for row in self.rows]
                spans.append(
                    (
                        max((word for word, _ in measured), default=0),
                        max((line for _, line in measured), default=0),
                    )
                )
            self._spans = spans
        return self._spans

    def _measure(self, index: int, spans: Sequence[tuple[int, int]], width: int) -> tuple[int, int]:
        """Return a column's least and greatest width within `width`, padding included."""
        if width < 1:
            return 0, 0
        left, right = self._pads[index]
        padding = left + right
        if not self.rows:
            low, high = 1, width
        elif width - padding < 1:
            low = high = width
        else:
            word, line = spans[index]
            low = min(min(word, width) + padding, width)
            high = min(min(line, width) + padding, width)
        least = self.columns[index].min_width
        if least is not None:
            floor = max(0, least + padding)
            low, high = max(low, floor), max(high, floor)
        return low, high

    def _widths(self, spans: Sequence[tuple[int, int]], width: int) -> list[int]:
        """Return the columns' widths (padding included) for a grid at most `width` wide."""
        count = len(self.columns)
        widths = [self._measure(index, spans, width)[1] or 1 for index in range(count)]
        if sum(widths) <= width:
            return widths
        widths = _collapse(widths, [not column.no_wrap for column in self.columns], width)
        if sum(widths) > width:
            widths = _reduce(sum(widths) - width, [1] * count, widths, widths)
        return [self._measure(index, spans, widths[index])[1] for index in range(count)]

    def _one_line(
        self,
        row: tuple[_Cell, ...],
        widths: Sequence[int],
        written: list[dict[tuple[str, str | Style], Segment | None]],
        console: Console,
    ) -> list[Segment] | None:
        """Return a row's line when every cell fits on one line; None when one does not.

        `written` keeps each column's cells as written so far (None: too wide),
        by text and style: a column repeats many. Runs without a style are
        joined: they print the same.
        """
        segments: list[Segment] = []
        plain = ""
        for cell, width, (left, right), column, done in zip(
            row, widths, self._pads, self.columns, written, strict=True
        ):
            if cell.style is None:
                return None
            key = (cell.plain, cell.style)
            if key in done:
                segment = done[key]
            elif hides(cell.plain):
                # Printed wider than laid out (`visible` writes its controls out), its line
                # may be cropped where it prints: the cells stay apart, as Rich makes them.
                segment = done[key] = None
            else:
                segment = done[key] = _written(
                    cell, width - left - right, column.justify == "right", console
                )
            if segment is None:
                return None
            if segment.style:
                if left:
                    plain += " " * left
                if plain:
                    segments.append(Segment(plain))
                segments.append(segment)
                plain = " " * right
            else:
                plain += " " * left + segment.text + " " * right
        if plain:
            segments.append(Segment(plain))
        return segments


class _Cell(Struct, frozen=True):
    """A cell as the grid keeps it."""

    plain: str
    """Its text as Rich lays it out (the controls `Text` drops dropped)."""
    text: Text | None
    """The text it was given as, if not a string."""
    style: str | Style | None
    """Its style over its whole length (``""`` for none), or None when its layout is
    Rich's to do: a text with styled parts, its own justification or overflow, a
    line break or a tab."""


def _cell(cell: str | Text) -> _Cell:
    """Return a cell as the grid keeps it."""
    if isinstance(cell, str):
        return _string_cell(cell)
    plain = cell.plain
    bare = (
        not cell.spans
        and cell.justify is None
        and cell.overflow is None
        and cell.no_wrap is None
        and cell.end == "\n"
        and "\n" not in plain
        and "\t" not in plain
    )
    return _Cell(plain, cell, cell.style if bare else None)


@lru_cache(maxsize=4096)
def _string_cell(cell: str) -> _Cell:
    """Return a string cell as the grid keeps it (a column repeats many: kept for them)."""
    plain = strip_control_codes(cell)
    return _Cell(plain, None, None if "\n" in plain or "\t" in plain else "")


def _written(cell: _Cell, room: int, right: bool, console: Console) -> Segment | None:
    """Return a cell's text as Rich writes it on one line `room` wide, or None when it
    does not fit (Rich wraps or crops it).

    Justified as Rich justifies a line: on the left, padded to the room; on the
    right, its trailing blanks dropped and blanks before it. The padding takes
    the text's style, as in Rich (a `Text` pads a line inside its style).
    """
    text = cell.plain
    # Rich drops blanks beyond the room by counting characters, not cells.
    if cell.style is None or room < 1 or len(text) > room:
        return None
    used = cell_len(text)
    if used > room:
        return None
    if right:
        text = text.rstrip()
        text = " " * (room - cell_len(text)) + text
    else:
        text += " " * (room - used)
    style = console.get_style(cell.style, default=Style.null()) if cell.style else None
    return Segment(text, style or None)


def _cell_lines(
    cell: _Cell,
    width: int,
    pads: tuple[int, int],
    column: Column,
    options: ConsoleOptions,
    console: Console,
) -> list[list[Segment]]:
    """Return a cell's lines, each `width` wide, as Rich's table renders the cell.

    A text that wraps between words is wrapped here and each line justified as
    on one line; any other is rendered by Rich itself (`options` are the
    column's).
    """
    left, right = pads
    lines = _wrapped(cell, width - left - right, column, console)
    if lines is None:
        text = Text(cell.plain) if cell.text is None else cell.text
        return console.render_lines(Padding(text, (0, right, 0, left)), options, style=Style.null())
    before = [Segment(" " * left)] if left else []
    after = [Segment(" " * right)] if right else []
    return [[*before, line, *after] for line in lines]


def _wrapped(cell: _Cell, room: int, column: Column, console: Console) -> list[Segment] | None:
    """Return a cell's text wrapped `room` wide, as Rich wraps it, or None for Rich to do."""
    right = column.justify == "right"
    one = _written(cell, room, right, console)
    if one is not None:
        return [one]
    if cell.style is None or column.no_wrap or room < 1:
        return None
    pieces = _divide(cell.plain, room)
    if pieces is None:
        return None
    style = console.get_style(cell.style, default=Style.null()) if cell.style else None
    lines = []
    for piece in pieces:
        if right:
            piece = piece.rstrip()
            piece = " " * (room - cell_len(piece)) + piece
        else:
            piece += " " * (room - cell_len(piece))
        lines.append(Segment(piece, style or None))
    return lines


@lru_cache(maxsize=4096)
def _measure_text(plain: str) -> tuple[int, int]:
    """Return a text's widest word and widest line, in cells, as Rich measures a `Text`.

    Normalised as Rich normalises a measurement: the word at most the line.
    """
    lines = plain.splitlines()
    line = max(cell_len(each) for each in lines) if lines else 0
    words = plain.split()
    word = max(cell_len(each) for each in words) if words else line
    return min(word, line), line


def _collapse(widths: list[int], wrappable: list[bool], width: int) -> list[int]:
    """Narrow the widest wrappable columns, step by step, until the grid fits `width`.

    The widest shrink to the next widest, then those to the next, as Rich's
    table does; columns that may not wrap keep their width.
    """
    excess = sum(widths) - width
    if not any(wrappable):
        return widths
    while sum(widths) and excess > 0:
        widest = max(w for w, wraps in zip(widths, wrappable, strict=True) if wraps)
        next_widest = max(
            (w if wraps and w != widest else 0) for w, wraps in zip(widths, wrappable, strict=True)
        )
        step = widest - next_widest
        shares = [
            1 if wraps and w == widest else 0 for w, wraps in zip(widths, wrappable, strict=True)
        ]
        if not any(shares) or not step:
            break
        widths = _reduce(excess, shares, [min(excess, step)] * len(widths), widths)
        excess = sum(widths) - width
    return widths


def _reduce(total: int, shares: list[int], limits: list[int], widths: list[int]) -> list[int]:
    """Take `total` columns off the widths, in proportion to shares, at most a limit each.

    Rounds each part as Rich does (to even), so the widths come out the same.
    """
    shares = [share if limit else 0 for share, limit in zip(shares, limits, strict=True)]
    remaining_shares = sum(shares)
    if not remaining_shares:
        return widths[:]
    result = []
    for share, limit, current in zip(shares, limits, widths, strict=True):
        if share and remaining_shares > 0:
            taken = min(limit, round(share * total / remaining_shares))
            result.append(current - taken)
            total -= taken
            remaining_shares -= share
        else:
            result.append(current)
    return result


class Block:
    """A grid under an optional heading, indented, after blank lines: a week of the agenda.

    Prints as ``Padding(Group(heading, grid), (top, 0, 0, indent), expand=False)``
    prints (``Padding(grid, ...)`` without a heading), without Rich padding
    every line of the grid once more: the grid's lines are written out with
    the indent before them and the padding after. A grid wider than the room
    it gets (columns that may not shrink) is left to Rich's `Padding`.
    """

    def __init__(
        self, grid: Grid, *, heading: Text | None = None, indent: int, top: int = 0
    ) -> None:
        """Hold the parts.

        Parameters:
            grid: The grid.
            heading: A text above it, wrapped to the grid's room.
            indent: Columns of space before every line.
            top: Blank lines before the heading.
        """
        self.grid = grid
        self.heading = heading
        self.indent = indent
        self.top = top

    def _rich(self) -> Padding:
        """Return the renderable this block prints as."""
        inside: RenderableType = (
            self.grid if self.heading is None else Group(self.heading, self.grid)
        )
        return Padding(inside, (self.top, 0, 0, self.indent), expand=False)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """Measure the block as its `Padding`."""
        return Measurement.get(console, options, self._rich())

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Render the block as its `Padding` renders."""
        parts: list[RenderableType] = (
            [self.grid] if self.heading is None else [self.heading, self.grid]
        )
        widest = Measurement.get(console, options, Group(*parts)).maximum
        width = min(widest + self.indent, options.max_width)
        room = width - self.indent
        inner = options.update_width(room)
        widths = self.grid.widths(console, inner) if room >= 1 else []
        if room < 1 or sum(widths) > room:
            yield from console.render(self._rich(), options)
            return
        for _ in range(self.top):
            yield Segment(" " * width + "\n")
        margin = Segment(" " * self.indent)
        if self.heading is not None:
            for line in console.render_lines(self.heading, inner, style=Style.null(), pad=True):
                yield from _kept_or_joined([margin, *line, Segment("\n")])
        rest = Segment(" " * (room - sum(widths)) + "\n")
        for line in self.grid._lines(console, inner, widths):
            yield from _kept_or_joined([margin, *line, rest])


def _kept_or_joined(line: list[Segment]) -> list[Segment]:
    """Return a line's segments joined (`_joined`), or as they are when it prints wider
    than it was laid out (`visible` writes its controls out): the console then crops it
    segment by segment, as it crops Rich's `Padding`, so the segments must be Rich's."""
    return line if any(hides(segment.text) for segment in line) else _joined(line)


def _joined(line: list[Segment]) -> list[Segment]:
    """Return a line's segments with each run of unstyled text made one segment.

    Unstyled text prints the same however it is cut; fewer segments are less
    for the console to go through (each is made `visible`, cut into lines, written).
    """
    joined: list[Segment] = []
    for segment in line:
        if joined and not segment.style and not joined[-1].style:
            if segment.control or joined[-1].control:
                joined.append(segment)
            else:
                joined[-1] = Segment(joined[-1].text + segment.text)
        else:
            joined.append(segment)
    return joined


class Indented:
    """Paragraphs of plain text, one after another, each indented and wrapped to the width.

    Prints as ``Padding(Text(paragraph), (0, 0, 0, indent), expand=False)`` for
    each paragraph prints: a paragraph that wraps only between words is
    wrapped here, as Rich wraps it; any other (a word wider than the line, a
    line break or a tab in it) is rendered by Rich itself.
    """

    def __init__(self, paragraphs: Iterable[str], indent: int) -> None:
        """Hold the paragraphs.

        Parameters:
            paragraphs: The texts, shown as they are (no markup, no style).
            indent: Columns of space before each line.
        """
        self.paragraphs = list(paragraphs)
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Render each paragraph as its `Padding` renders."""
        for paragraph in self.paragraphs:
            lines = self._wrapped(strip_control_codes(paragraph), options.max_width)
            if lines is None:
                yield from console.render(
                    Padding(Text(paragraph), (0, 0, 0, self.indent), expand=False), options
                )
                continue
            for line in lines:
                yield Segment(line + "\n")

    def _wrapped(self, plain: str, width: int) -> list[str] | None:
        """Return a paragraph's lines, indented and padded, or None for Rich to lay it out."""
        if _BREAKS.search(plain):
            return None
        # The padding is as wide as the text, up to the width, and the text is wrapped
        # within it; the text's own width, capped at the width, as Rich measures it.
        room = min(min(cell_len(plain), width) + self.indent, width) - self.indent
        if room < 1:
            return None
        lines = _divide(plain, room)
        if lines is None:
            return None
        margin = " " * self.indent
        return [margin + line + " " * (room - cell_len(line)) for line in lines]


#: Characters that end a line where Rich measures or wraps a text, and the tab.
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
#: A word and the blanks around it, as Rich's word wrap reads a line.
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_BLANKS = re.compile(r"\s+$")


def _divide(plain: str, width: int) -> list[str] | None:
    """Wrap a line of text between words to `width` cells, as Rich wraps a `Text`.

    Returns:
        The lines, or None when a word is wider than `width` (Rich folds it)
        or a line would still be too wide.
    """
    breaks = []
    used = 0
    for found in _WORD.finditer(plain):
        start, word = found.start(), found.group()
        needed = cell_len(word.rstrip())
        if width - used >= needed:
            used += cell_len(word)
        elif needed > width:
            return None
        elif used and start:
            breaks.append(start)
            used = cell_len(word)
    edges = [0, *breaks, len(plain)]
    lines = []
    for start, end in pairwise(edges):
        line = plain[start:end]
        excess = len(line) - width
        blanks = _TRAILING_BLANKS.search(line) if excess > 0 else None
        if blanks is not None:
            line = line[: len(line) - min(len(blanks.group()), excess)]
        if cell_len(line) > width:
            return None
        lines.append(line)
    return lines


__all__ = ["Block", "Column", "Grid", "Indented"]
