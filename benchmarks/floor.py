"""The start-up floor: the least a typer + pydantic program that does kapplan's job pays.

One typer command reads a TOML schedule into a small pydantic model (a zone, a
list of doses with their times, the availability) and prints it as JSON. It is
written as anyone would write it with this stack, plainly, and none of
kapplan's own start-up work is applied to it: `startup.py` measures
``kapplan plan -f json`` against it in the same run.

Run: ``python benchmarks/floor.py examples/iv-six-infusions.toml``.
"""

import sys
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, Field


class Dose(BaseModel):
    """One dose: when, how, and for how long."""

    at: datetime
    method: str
    minutes: int = Field(default=40, ge=1)


class Availability(BaseModel):
    """When sessions may be booked."""

    holidays: str | None = None
    days: list[str] = ["mon", "tue", "wed", "thu", "fri"]


class Schedule(BaseModel):
    """A treatment schedule."""

    timezone: str
    infusion: list[Dose]
    availability: Availability = Availability()


def load(path: Path) -> Schedule:
    """Read and validate a schedule file."""
    with path.open("rb") as file:
        return Schedule.model_validate(tomllib.load(file))


app = typer.Typer()


@app.command()
def show(
    schedule: Annotated[Path, typer.Argument(help="Schedule file (TOML).", dir_okay=False)],
    indent: Annotated[int | None, typer.Option(help="Indent the JSON.")] = None,
    doses_only: Annotated[bool, typer.Option(help="Print the doses only.")] = False,
) -> None:
    """Print a schedule as JSON."""
    loaded = load(schedule)
    if doses_only:
        loaded = Schedule(timezone=loaded.timezone, infusion=loaded.infusion)
    sys.stdout.write(loaded.model_dump_json(indent=indent) + "\n")


if __name__ == "__main__":
    app()
