"""The command line: parse options, load, call the engine, render, write.

No rule logic lives here. Errors a user can fix (`KapplanError`) are caught
once, in `KapplanGroup.invoke`, and printed as one line on stderr with exit
status 2. Renderers are imported inside the branch that uses them, so
``--format json`` and ``--format ics`` never import Rich.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from kapplan import __version__
from kapplan.errors import KapplanError


class KapplanGroup(TyperGroup):
    """The command group; turns user errors into one stderr line and exit 2."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command, reporting a `KapplanError` once."""
        try:
            return super().invoke(ctx)
        except KapplanError as error:
            sys.stderr.write(f"kapplan: error: {error}\n")
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=KapplanGroup,
    name="kapplan",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    """Output formats of `kapplan plan`."""

    TERMINAL = "terminal"
    JSON = "json"


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"kapplan {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Plan the integration work around a ketamine treatment course.

    Example: kapplan plan examples/iv-six-infusions.toml
    """


@app.command("plan")
def plan_command(
    schedule: Annotated[
        str,
        typer.Argument(
            help="Schedule file (TOML), or - to read it from stdin.", metavar="SCHEDULE"
        ),
    ],
    output_format: Annotated[
        Format,
        typer.Option("--format", "-f", help="terminal (for people) or json (for scripts)."),
    ] = Format.TERMINAL,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite an existing output file kapplan did not write."),
    ] = False,
) -> None:
    """Print the Preparation–Experience–Integration calendar for a schedule.

    Examples:

      kapplan plan examples/iv-six-infusions.toml

      kapplan plan infusions.toml --format json | jq '.events[].title'

      cat infusions.toml | kapplan plan -
    """
    from kapplan.engine import build_plan
    from kapplan.load import default_rulebook, load_schedule

    plan = build_plan(load_schedule(schedule), default_rulebook())
    if output_format is Format.JSON:
        from kapplan.render.json import render_json

        text = render_json(plan)
    else:
        from kapplan.render.terminal import render_terminal

        to_terminal = output is None and sys.stdout.isatty()
        color = to_terminal and "NO_COLOR" not in os.environ
        text = render_terminal(plan, width=_width(to_terminal), color=color)
    _emit(text, output, force=force, inputs=[schedule])


def _width(to_terminal: bool) -> int:
    if to_terminal:
        return max(60, min(os.get_terminal_size(sys.stdout.fileno()).columns, 140))
    columns = os.environ.get("COLUMNS", "")
    return max(60, min(int(columns), 140)) if columns.isdigit() else 100


def _emit(text: str, output: Path | None, *, force: bool, inputs: list[str]) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from kapplan.output import write_output

    write_output(output, text, force=force, inputs=[Path(p) for p in inputs if p != "-"])


def main() -> None:
    """Run kapplan as a program: exit quietly on a closed pipe or Ctrl-C."""
    try:
        app()
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.stderr.write("kapplan: interrupted\n")
        sys.exit(130)
