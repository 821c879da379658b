"""The command line: the Typer app (`kapplan.cli.app`), one module per command.

Holds only the version line, which ``kapplan --version`` prints before typer is
even imported (`kapplan.__main__`); importing it, or `kapplan.cli.stops` at
start-up, loads nothing else.
"""

from kapplan import __version__


def version_line() -> str:
    """Return what ``kapplan --version`` prints: ``kapplan 0.1.0`` and a newline."""
    return f"kapplan {__version__}\n"
