"""The views' own table layout prints what Rich's `Table` prints, byte for byte, faster.

`kapplan.views.grid` lays out the agenda's tables, blocks and warning lines
itself where Rich would take a millisecond a row (issue 16). These tests
print random tables both ways, on the views' consoles, with and without
colour, and compare the bytes; and check that the plain cases do take the
fast way (a test that passed because everything fell back to Rich would
prove nothing about the speed).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from kapplan.edge.load import default_rulebook, schedule_from_text
from kapplan.engine import build_plan
from kapplan.views.agenda import render_terminal
from kapplan.views.console import text_console
from kapplan.views.grid import Block, Column, Grid, Indented
from tests.conftest import examples
from tests.plans import TEXTS

#: Words a cell is made of: plain, wide, combining, zero-width, long enough to
#: fold, blanks of several kinds, and the controls and breaks Rich treats apart.
WORDS = (
    "a",
    "Dose",
    "10:00–11:00",
    "60 min",
    "Integration",
    "Подготовка",
    "日本語",
    "😀",
    "e\u0301",
    "\u200b",
    "x" * 30,
    "y" * 90,
    "",
    " ",
    "  lead",
    "trail  ",
    "NBSP\xa0x",
    "\x1b[31m",
    "\x07bell",
    "tab\there",
    "line\nbreak",
    "a\u2028b",
    "\u202eevil",
)
STYLES = ("", "bold", "bold cyan", "dim", "reverse bold green", "no-such-style")


@dataclass(frozen=True)
class Cell:
    """A cell to give both tables: a string, or a text with a style and maybe a styled part."""

    content: str
    style: str | None
    """None: a plain string."""
    part: bool = False
    """Style its first two characters bold as well."""

    def make(self) -> str | Text:
        """Return a fresh cell (Rich's table and the grid each get their own)."""
        if self.style is None:
            return self.content
        text = Text(self.content, style=self.style)
        if self.part:
            text.stylize("bold", 0, 2)
        return text


@dataclass(frozen=True)
class Spec:
    """A column, as both tables take it."""

    min_width: int | None
    no_wrap: bool
    justify: Literal["left", "right"]
    overflow: Literal["fold", "crop", "ellipsis"]


cells = st.builds(
    Cell,
    st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
    st.none() | st.sampled_from(STYLES),
    st.booleans(),
)
specs = st.builds(
    Spec,
    st.none() | st.sampled_from((0, 3, 7, 10, 13)),
    st.booleans(),
    st.sampled_from(("left", "right")),
    st.sampled_from(("fold", "crop", "ellipsis")),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Spec], list[list[Cell]]]:
    """Draw columns and rows of cells for them."""
    columns = draw(st.lists(specs, min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns))))
    return columns, rows


def _table(columns: Sequence[Spec], rows: Sequence[Sequence[Cell]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    for number, spec in enumerate(columns):
        table.add_column(
            str(number),
            min_width=spec.min_width,
            no_wrap=spec.no_wrap,
            justify=spec.justify,
            overflow=spec.overflow,
        )
    for row in rows:
        table.add_row(*(cell.make() for cell in row))
    return table


def _grid(columns: Sequence[Spec], rows: Sequence[Sequence[Cell]]) -> Grid:
    grid = Grid(
        *(Column(spec.min_width, spec.no_wrap, spec.justify, spec.overflow) for spec in columns)
    )
    for row in rows:
        grid.add_row(*(cell.make() for cell in row))
    return grid


def _printed(renderable: RenderableType, width: int, color: bool) -> str:
    buffer = io.StringIO()
    text_console(buffer, width, color).print(renderable)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [12, 14])
def test_a_grid_wider_than_the_room_is_cropped_as_rich_crops_it(width: int) -> None:
    """What the full property run found: columns at their least (10 and 3) wider than the
    room, and a zero-width space at the cut. Rich's cells are segments of their own, so
    the console's crop drops it; the grid's lines, joined, kept it. Bare and as a block."""
    columns = [Spec(10, False, "left", "fold"), Spec(3, False, "left", "fold")]
    rows = [[Cell("", None), Cell("", None)], [Cell("", None), Cell("\u200b", None)]]
    assert _printed(_grid(columns, rows), width - 2, False) == _printed(
        _table(columns, rows), width - 2, False
    )
    heading = Text("Week of Mon 28 Dec 2026", style="dim")
    padded = Padding(Group(heading, _table(columns, rows)), (1, 0, 0, 2), expand=False)
    block = Block(_grid(columns, rows), heading=heading, indent=2, top=1)
    assert _printed(block, width, False) == _printed(padded, width, False)


@pytest.mark.parametrize(
    ("first", "width"), [("\u202eevil", 14), ("a\u2028b", 11), ("x\x1b[31m", 13)]
)
def test_a_line_printed_wider_than_laid_out_is_cropped_as_rich_crops_it(
    first: str, width: int
) -> None:
    """What CI's quick property run found: a control the console writes out (\\u202e for
    U+202E) makes a line wider than it was laid out, so it is cropped where it prints, and
    a zero-width space sits at the cut. Rich's cells are segments of their own and the crop
    drops it; the block's line, joined, kept it. Bare and as a block."""
    columns = [Spec(None, True, "left", "fold"), Spec(None, True, "left", "fold")]
    rows = [[Cell(first, None), Cell("\u200bx", None)]]
    assert _printed(_grid(columns, rows), width, False) == _printed(
        _table(columns, rows), width, False
    )
    block = Block(_grid(columns, rows), indent=2)
    padded = Padding(_table(columns, rows), (0, 0, 0, 2), expand=False)
    assert _printed(block, width, False) == _printed(padded, width, False)


@examples(quick=60, full=300)
def test_a_grid_prints_as_rich_table(runs: int) -> None:
    """Bare, under a heading in a padding that does not expand, and as a block: the same bytes."""

    @settings(max_examples=runs, deadline=None)
    @given(tables(), st.integers(1, 150), st.booleans())
    def check(table: tuple[list[Spec], list[list[Cell]]], width: int, color: bool) -> None:
        columns, rows = table
        assert _printed(_grid(columns, rows), width, color) == _printed(
            _table(columns, rows), width, color
        )
        heading = Text("Week of Mon 28 Dec 2026", style="dim")
        padded = Padding(Group(heading, _table(columns, rows)), (1, 0, 0, 2), expand=False)
        block = Block(_grid(columns, rows), heading=heading, indent=2, top=1)
        assert _printed(block, width, color) == _printed(padded, width, color)
        assert _printed(Block(_grid(columns, rows), indent=2), width, color) == _printed(
            Padding(_table(columns, rows), (0, 0, 0, 2), expand=False), width, color
        )

    check()


@examples(quick=60, full=300)
def test_indented_paragraphs_print_as_rich_paddings(runs: int) -> None:
    """Each paragraph wraps and indents as a padding of its text does."""

    @settings(max_examples=runs, deadline=None)
    @given(
        st.lists(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join), max_size=5),
        st.integers(1, 150),
        st.sampled_from((0, 1, 2, 4)),
        st.booleans(),
    )
    def check(paragraphs: list[str], width: int, indent: int, color: bool) -> None:
        buffer = io.StringIO()
        console = text_console(buffer, width, color)
        for paragraph in paragraphs:
            console.print(Padding(Text(paragraph), (0, 0, 0, indent), expand=False))
        assert _printed(Indented(paragraphs, indent), width, color) == buffer.getvalue()

    check()


def test_found_differences_stay_fixed() -> None:
    """Cases the comparison once found: an empty styled cell in a row Rich lays out, and
    columns with no room at all (a row is still a line high)."""
    cases = [
        (
            [Spec(13, True, "left", "fold"), Spec(None, True, "right", "ellipsis")],
            [[Cell("", "reverse bold green"), Cell("line\nbreak", None)]],
            14,
        ),
        (
            [Spec(None, True, "right", "ellipsis"), Spec(0, True, "right", "crop")],
            [[Cell("", None), Cell("a", "bold")], [Cell("日本語", "dim"), Cell("", "")]],
            3,
        ),
    ]
    for columns, rows, width in cases:
        for color in (False, True):
            assert _printed(Block(_grid(columns, rows), indent=2), width, color) == _printed(
                Padding(_table(columns, rows), (0, 0, 0, 2), expand=False), width, color
            )


@pytest.fixture(name="rich_cells")
def fixture_rich_cells(monkeypatch: pytest.MonkeyPatch) -> list[RenderableType]:
    """Record every padded cell and paragraph Rich itself renders."""
    rendered: list[RenderableType] = []
    render_lines: Callable[..., list[list[Segment]]] = Console.render_lines
    render = Console.render

    def recording_lines(
        self: Console, renderable: RenderableType, *args: object, **kwargs: object
    ) -> list[list[Segment]]:
        if isinstance(renderable, Padding):
            rendered.append(renderable)
        return render_lines(self, renderable, *args, **kwargs)

    def recording(
        self: Console, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> object:
        if isinstance(renderable, Padding):
            rendered.append(renderable)
        return render(self, renderable, options)

    monkeypatch.setattr(Console, "render_lines", recording_lines)
    monkeypatch.setattr(Console, "render", recording)
    return rendered


def test_plain_cells_and_paragraphs_take_the_fast_way(rich_cells: list[RenderableType]) -> None:
    """Cells that fit, cells that wrap between words, warnings that wrap: none goes to Rich."""
    grid = Grid(Column(no_wrap=True, min_width=10), Column(justify="right"), Column())
    grid.add_row("Mon 28 Dec", Text("60 min", style="bold"), "Preparation session 1/1")
    grid.add_row("", "5 min", Text("Protect the 48 hours after doses 1, 2, 3, 4 " * 5))
    printed = _printed(Block(grid, heading=Text("Week", style="dim"), indent=2, top=1), 60, True)
    assert "Protect" in printed
    paragraphs = ["! Integration session after dose 1: " + "too soon " * 20, "! short"]
    _printed(Indented(paragraphs, 2), 80, False)
    assert rich_cells == []
    # A word wider than its column is folded by Rich, as before: that cell alone.
    grid.add_row("", "", "z" * 200)
    _printed(Block(grid, indent=2), 60, False)
    assert rich_cells
    assert {str(cell.renderable) for cell in rich_cells if isinstance(cell, Padding)} == {"z" * 200}


def test_a_long_plan_renders_without_rich_tables(rich_cells: list[RenderableType]) -> None:
    """The agenda of 200 daily doses (1,400 events, 199 warnings) lays out every cell and
    warning itself, where no word is wider than its column: rendering it a cell at a time
    through Rich took seconds for 1,000 doses."""
    schedule = schedule_from_text(
        'timezone = "Europe/London"\n[[series]]\nrrule = "FREQ=DAILY;COUNT=200"\n'
        'method = "iv"\nstart = 2027-01-04T10:00:00\n',
        "d200.toml",
    )
    plan = build_plan(schedule, default_rulebook(), texts=TEXTS)
    assert len(plan.events) > 1000
    assert len(plan.warnings) > 100
    for width in (80, 100):
        text = render_terminal(plan, width=width, color=True)
        assert text.count("\n") > len(plan.events)
    assert rich_cells == []
    # At 60 columns the length column gives way: no title word is folded.
    render_terminal(plan, width=60, color=True)
    assert rich_cells == []
    # At 30 nothing more gives way and a title has 1 column: words are folded, by Rich.
    render_terminal(plan, width=30, color=True)
    assert rich_cells


def test_a_row_has_a_cell_per_column_and_strings_are_not_markup() -> None:
    """A row has one cell per column; strings are shown as written, not as markup."""
    grid = Grid(Column(), Column())
    with pytest.raises(ValueError, match="2 cells, not 1"):
        grid.add_row("only one")
    grid.add_row("[bold]x[/bold]", Text("y", style=Style(bold=True)))
    assert _printed(grid, 40, False) == "[bold]x[/bold]  y\n"
    with pytest.raises(ValueError, match="a grid needs a column"):
        Grid()
