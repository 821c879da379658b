"""The command line: the Typer app (`kapplan.cli.app`), one module per command.

Kept empty, so that importing `kapplan.cli.stops` at start-up loads nothing else.
"""
