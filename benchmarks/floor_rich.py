"""The start-up floor of a terminal view: `floor.py`, its schedule printed as a Rich table.

The same typer command and pydantic model as `floor.py`, and what printing a
table with Rich needs (a console and a table), imported as anyone would:
``kapplan plan`` (the terminal view) is measured against it in the same run.

Run: ``python benchmarks/floor_rich.py examples/iv-six-infusions.toml``.
"""

from pathlib import Path
from typing import Annotated

import typer
from floor import load
from rich.console import Console
from rich.table import Table

app = typer.Typer()


@app.command()
def show(
    schedule: Annotated[Path, typer.Argument(help="Schedule file (TOML).", dir_okay=False)],
    title: Annotated[str | None, typer.Option(help="The table's title.")] = None,
    width: Annotated[int, typer.Option(help="Columns to lay the table out in.")] = 100,
) -> None:
    """Print a schedule's doses as a table."""
    loaded = load(schedule)
    table = Table(title=title or loaded.timezone)
    for column in ("Date", "Time", "Method", "Minutes"):
        table.add_column(column)
    for dose in loaded.infusion:
        table.add_row(
            dose.at.strftime("%a %d %b %Y"),
            dose.at.strftime("%H:%M"),
            dose.method,
            str(dose.minutes),
        )
    Console(width=width).print(table)


if __name__ == "__main__":
    app()
