"""The Typer application: the commands, the one error handler, and the program's entry.

Each command lives in a module of its own (`kapplan.cli.plan`, ...), turns
its flags into arguments for `kapplan.api`, and prints what comes back. Errors
a user can fix, Ctrl-C and a closed pipe are handled once (`kapplan.cli.stops`).
The world kapplan runs in (the config file, this machine's zone, the clock) is
read once per command that needs it (`kapplan.cli.shell.environment`) and
passed down.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

# Typer carries its own copy of click (typer._click): its usage errors are of that copy.
from typer._click import exceptions as click
from typer.core import TyperCommand, TyperGroup

from kapplan.characters import visible
from kapplan.cli import agenda as agenda_cmd
from kapplan.cli import config as config_cmd
from kapplan.cli import countries, manpage, version_line
from kapplan.cli import diff as diff_cmd
from kapplan.cli import init as init_cmd
from kapplan.cli import plan as plan_cmd
from kapplan.cli import rules as rules_cmd
from kapplan.cli import schema as schema_cmd
from kapplan.cli import sync as sync_cmd
from kapplan.cli import validate as validate_cmd
from kapplan.cli.conversion import UnknownChoice, quicken
from kapplan.cli.options import FLAGS
from kapplan.cli.stops import ended, run
from kapplan.errors import InvalidOption, KapplanError


class KapplanGroup(TyperGroup):
    """The command group: every stop a command meets ends the same way (`kapplan.cli.stops`)."""

    def get_params(self, ctx: Any) -> list[Any]:
        """Return the root options (``--help`` too), converted quickly (`quicken`)."""
        params: list[Any] = super().get_params(ctx)
        quicken(params)
        return params

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Parse the options before the command; a usage mistake is one line (`usage_line`)."""
        try:
            return super().parse_args(ctx, args)
        except click.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            raise typer.Exit(usage_line(error)) from None

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a user error, Ctrl-C or a closed pipe becomes its exit status."""
        try:
            return super().invoke(ctx)
        except click.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            raise typer.Exit(usage_line(error)) from None
        except InvalidOption as error:
            # The library names an option by its field; the command line, by its flag.
            raise typer.Exit(ended(error.renamed(FLAGS))) from None
        except KapplanError as error:
            raise typer.Exit(ended(error)) from None
        except (KeyboardInterrupt, BrokenPipeError) as stop:
            raise typer.Exit(ended(stop)) from None


class KapplanCommand(TyperCommand):
    """A command whose option values are converted quickly (`kapplan.cli.conversion`), and
    whose help reads like a man page (`kapplan.cli.manpage`)."""

    def get_params(self, ctx: Any) -> list[Any]:
        """Return the command's parameters (``--help`` too), converted quickly (`quicken`),
        each value named for help (`name_values`)."""
        params: list[Any] = super().get_params(ctx)
        quicken(params)
        manpage.name_values(params)
        return params

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """Return the usage line after the command's path: ``[OPTIONS] SCHEDULE...``."""
        return manpage.usage_pieces(self.get_params(ctx), ctx, self.options_metavar)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """Write the Arguments and Options sections, arguments named as in the usage line."""
        arguments, options = manpage.help_records(self.get_params(ctx), ctx)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def get_short_help_str(self, limit: int = 45) -> str:
        """Return the command's summary for ``kapplan --help``: its first sentence, whole."""
        return self.short_help or manpage.short_help(self.help)


def usage_line(error: click.UsageError) -> int:
    """Say a usage mistake in one line, as every other error, and return status 2.

    Click's own usage block (four lines) would hide the one that matters, e.g.
    ``kapplan: error: no such option --foo; see kapplan plan --help``.

    Parameters:
        error: What click found wrong with the command line.

    Returns:
        The exit status, 2.
    """
    if isinstance(error, UnknownChoice):
        # The choices are the whole answer: ``unknown format 'yaml'; use terminal, json, ...``.
        sys.stderr.write(f"kapplan: error: {visible(error.line)}\n")
        return 2
    where = error.ctx.command_path if error.ctx is not None else "kapplan"
    if isinstance(error, click.NoSuchOption):
        message = f"no such option {error.option_name}"
        if error.possibilities:
            message += f" (did you mean {' or '.join(sorted(error.possibilities))}?)"
    else:
        text = " ".join(error.format_message().split()).rstrip(".")
        message = text[:1].lower() + text[1:]
    sys.stderr.write(f"kapplan: error: {message}; see {where} --help\n")
    return 2


#: The commands, in the order ``kapplan --help`` lists them.
COMMANDS: dict[str, Callable[..., None]] = {
    "plan": plan_cmd.plan_command,
    "agenda": agenda_cmd.agenda_command,
    "today": agenda_cmd.today_command,
    "init": init_cmd.init_command,
    "config": config_cmd.config_command,
    "diff": diff_cmd.diff_command,
    "rules": rules_cmd.rules_command,
    "schema": schema_cmd.schema_command,
    "sync": sync_cmd.sync_command,
    "validate": validate_cmd.validate_command,
}


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line())
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Plan the integration work around a ketamine treatment course."""


def _typer(commands: Sequence[str]) -> typer.Typer:
    """Return the Typer application with these of `COMMANDS`."""
    made = typer.Typer(
        cls=KapplanGroup,
        name="kapplan",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
    )
    made.callback(epilog="Example: kapplan plan examples/iv-six-infusions.toml")(_root)
    for name in commands:
        made.command(name, cls=KapplanCommand)(COMMANDS[name])
    return made


#: The whole command line.
app = _typer(list(COMMANDS))


def command_line(args: Sequence[str]) -> typer.Typer:
    """Return the application to run these arguments with.

    When the first argument names a command, the application of that command
    alone: typer converts every command it has into a click command (its whole
    signature read) before it parses a single option, and a run needs only its
    own. Nothing that run shows depends on the others: its help, usage line and
    errors are the command's, and a root option (``--help``, ``--version``) or a
    misspelt command comes first, which gets the whole application, as does
    shell completion, which may list every command.

    Parameters:
        args: The command line, without the program's name.

    Returns:
        The application; call it to run.
    """
    completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)
    if args and args[0] in COMMANDS and not completing:
        return _typer([args[0]])
    return app


def program() -> None:
    """Run the command line on `sys.argv`, one country's holidays loaded at a time
    (`kapplan.cli.countries`)."""
    countries.install()
    command_line(sys.argv[1:])()


def main() -> None:
    """Run kapplan as a program, every early stop ended alike (`kapplan.cli.stops.run`).

    The ``kapplan`` script and ``python -m kapplan`` run the same through
    `kapplan.__main__`, which answers ``--version`` before importing this module.
    """
    run(program)
