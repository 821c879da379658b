"""Help, version and shell completion of every command, including those added later."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest
import typer

from kapplan import __version__
from kapplan.cli.app import app
from tests.cli_runner import CliRunner

#: Every registered command, found by walking the app (so new commands are covered).
COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_walk_finds_the_commands() -> None:
    """The walk sees the commands (a guard against it silently finding none)."""
    assert {"plan", "validate"} <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS], ids=["kapplan", *COMMANDS])
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    """`kapplan [COMMAND] --help` exits 0 and shows an example of use."""
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert f"kapplan {command}".strip() in result.stdout


def test_version_from_the_installed_module() -> None:
    """`python -m kapplan --version` prints the package version, in a real process."""
    result = subprocess.run(
        [sys.executable, "-m", "kapplan", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"kapplan {__version__}\n", "")


def test_show_completion_for_bash(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typer's `--show-completion`, run from bash, prints a script that completes `kapplan`.

    Typer finds the shell among the process's ancestors (shellingham), which a test
    cannot count on: under pytest-xdist it once found none ("Shell  not supported"). The
    detection answers bash here, as it does in a bash session.
    """
    import shellingham

    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("bash", "/bin/bash"))
    result = runner.invoke(app, ["--show-completion"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "complete -o default -F _kapplan_completion kapplan" in result.stdout
    assert "_KAPPLAN_COMPLETE=complete_bash" in result.stdout


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("kapplan val", ["validate"]),
        ("kapplan validate --kind ", ["schedule", "therapist", "rulebook"]),
        ("kapplan validate --format ", ["terminal", "json"]),
    ],
)
def test_completion_completes(runner: CliRunner, words: str, expected: list[str]) -> None:
    """The completion script's callback completes commands and option values."""
    result = runner.invoke(
        app,
        [],
        prog_name="kapplan",
        env={
            "_KAPPLAN_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        },
    )
    assert (result.exit_code, result.stdout.split()) == (0, expected)


@pytest.mark.parametrize("command", ["", *COMMANDS], ids=["kapplan", *COMMANDS])
def test_help_golden(command: str, golden: Callable[[str, bytes], None]) -> None:
    """Every command's --help at 80 columns matches tests/golden/help/<command>.txt."""
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "80"}).invoke(
        app, [*command.split(), "--help"]
    )
    assert result.exit_code == 0, result.output
    golden(f"help/{command or 'kapplan'}.txt", result.stdout.encode())


#: What a man page's usage line and option list may hold: no typer-style metavar.
NOT_MAN_PAGE = re.compile(r"<[^>]*>|\{[^}]*\}|\]\.\.\.|\.\.\.\.\.\.")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_like_a_man_page(runner: CliRunner, command: str) -> None:
    """The usage line reads `kapplan CMD [OPTIONS] ARG...`; options and arguments name their
    values in capitals (FILE, N, FORMAT), never as typer's types or braces."""
    result = runner.invoke(app, [command, "--help"])
    usage = result.stdout.splitlines()[0]
    assert usage.startswith(f"Usage: kapplan {command} [OPTIONS]")
    lists = result.stdout[result.stdout.index("\nOptions:") :]
    if "\nArguments:" in result.stdout:
        lists = result.stdout[result.stdout.index("\nArguments:") :]
    names = [
        re.split(r"\s{2,}", line.strip())[0]
        for line in lists.splitlines()
        if re.match(r"  \S", line)
    ]
    assert names
    for text in (usage, *names):
        assert not NOT_MAN_PAGE.search(text), text
    values = [word for name in names for word in name.split() if not word.startswith(("-", "/"))]
    assert all(re.fullmatch(r"[A-Z][A-Z-]*(\.\.\.)?", word) for word in values), values


def test_top_level_help_has_whole_summaries(runner: CliRunner) -> None:
    """`kapplan --help` gives each command's first sentence whole, never cut with '...'."""
    stdout = runner.invoke(app, ["--help"]).stdout
    commands = stdout[stdout.index("Commands:") :]
    assert "..." not in commands
    root = typer.main.get_command(app)
    for name in COMMANDS:
        first = (root.commands[name].help or "").split("\n\n")[0]
        sentence = " ".join(first.split()).split(". ")[0].rstrip(".")
        assert sentence in " ".join(commands.split()), name


@pytest.mark.parametrize("command", COMMANDS)
def test_choices_are_in_the_help_text(command: str) -> None:
    """An option whose value is one of a few choices names each of them in its help."""
    root = typer.main.get_command(app)
    cmd = root.commands[command]
    ctx = cmd.make_context(command, [], resilient_parsing=True)
    for param in cmd.get_params(ctx):
        choices = (
            getattr(param.type_descriptor, "choices", None)
            if hasattr(param, "type_descriptor")
            else None
        )
        if not choices or param.hidden:
            continue
        for choice in choices:
            value = str(getattr(choice, "value", choice))
            assert re.search(rf"\b{re.escape(value)}\b", param.help or ""), (param.name, value)
