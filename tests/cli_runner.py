"""The tests' CLI runner: typer's, running a command line as the ``kapplan`` program does.

typer's `typer.testing.CliRunner` converts every command of an application into a
click command on each `invoke` (each signature read, its annotations evaluated): 80 ms
of a 90 ms run of ``plan``, for nine commands the run never uses. The program
converts only the command it runs (`kapplan.cli.app.command_line`), so this runner
does the same: a test runs what the program runs, and the suite's in-process runs
cost what a command costs. Each application is converted once per test process (a
click command keeps no state between runs: each run makes its own context), as the
program converts its one command once per run.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import typer
import typer.testing
from typer.testing import CliRunner as TyperRunner
from typer.testing import Result

from kapplan.cli.app import COMMANDS, command_line
from kapplan.cli.app import app as whole_app

#: The one-command application of each command, made once (`command_line`'s).
_ALONE: dict[str, typer.Typer] = {}
#: Each application as click runs it, by the application's identity.
_CONVERTED: dict[int, tuple[typer.Typer, Any]] = {}


def _converted(app: typer.Typer) -> Any:
    """Return typer's click command for `app`, converted on first use."""
    found = _CONVERTED.get(id(app))
    if found is None or found[0] is not app:
        found = _CONVERTED[id(app)] = (app, typer.main.get_command(app))
    return found[1]


# typer's runner converts through this name of its module: once per application here.
typer.testing._get_command = _converted  # type: ignore[attr-defined]


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
        if app is whole_app and not completing and words and words[0] in COMMANDS:
            if words[0] not in _ALONE:
                _ALONE[words[0]] = command_line(words)
            app = _ALONE[words[0]]
        return super().invoke(app, args, input=input, env=env, **extra)
