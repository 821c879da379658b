"""The tests' CLI runner: typer's, running a command line as the ``kapplan`` program does.

typer's `typer.testing.CliRunner` converts every command of an application into a
click command on each `invoke` (each signature read, its annotations evaluated): 80 ms
of a 90 ms run of ``plan``, for nine commands the run never uses. The program
converts only the command it runs (`kapplan.cli.app.command_line`), so this runner
does the same: a test runs what the program runs, and the suite's in-process runs
cost what a command costs.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import typer
from typer.testing import CliRunner as TyperRunner
from typer.testing import Result

from kapplan.cli.app import app as whole_app
from kapplan.cli.app import command_line


class CliRunner(TyperRunner):
    """typer's runner, giving each command line the application the program would."""

    def invoke(  # type: ignore[override]
        self,
        app: typer.Typer,
        args: str | Sequence[str] | None = None,
        input: bytes | str | None = None,
        env: Mapping[str, str | None] | None = None,
        **extra: Any,
    ) -> Result:
        """Run `args` as the program would: with `command_line`'s application for them
        when `app` is kapplan's whole one, and shell completion asked of neither."""
        environ = {**self.env, **(env or {})}
        completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in environ)
        words = shlex.split(args) if isinstance(args, str) else [str(a) for a in args or ()]
        if app is whole_app and not completing:
            app = command_line(words)
        return super().invoke(app, args, input=input, env=env, **extra)
