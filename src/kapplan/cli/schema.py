"""``kapplan schema``: the JSON Schema of the schedule file, or of a rulebook."""

from __future__ import annotations

from typing import Annotated

import typer

from kapplan import api
from kapplan.cli import options as o
from kapplan.cli.shell import emit


def schema_command(
    rulebook: Annotated[
        bool,
        typer.Option("--rulebook", help="The schema of a rulebook file instead of a schedule."),
    ] = False,
    output: o.OutputOption = None,
    force: o.ForceOption = False,
) -> None:
    """Print the JSON Schema of the schedule file (or, with --rulebook, of a rulebook).

    Editors with a TOML language server (Taplo, VS Code's Even Better TOML)
    complete and check a file against it: put `#:schema ./kapplan.schema.json`
    on its first line, or map files to the schema in a .taplo.toml.

    Examples:

      kapplan schema -o kapplan.schema.json

      kapplan schema --rulebook -o kapplan-rulebook.schema.json
    """
    emit(api.schema_text(rulebook=rulebook), output, force=force)
