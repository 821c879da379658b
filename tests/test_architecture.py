"""The architecture holds: imports run one way, the core reads no clock, the CLI only translates.

The import contracts live in ``pyproject.toml`` (import-linter); these tests
run them, show that they do catch a wrong import, and check what import
contracts cannot see: calls to the clock or the file system in the pure
core, where the machine's zone and the time are read, and the length of the
command line's functions.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SRC = ROOT / "src" / "kapplan"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
#: The pure core: no I/O, printing or clock reads (STYLE.md, rule 1).
CORE = ("model", "engine", "diff.py")


def _lint_imports(tree: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the kapplan package under `tree`, with a config file."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tree,
        env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=120,
    )


@pytest.fixture(name="scratch")
def fixture_scratch(tmp_path: Path) -> Path:
    """Return a copy of the source tree to break on purpose."""
    shutil.copytree(SRC, tmp_path / "src" / "kapplan", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


class TestImportContracts:
    """`lint-imports` keeps the layers and forbidden arrows of ``pyproject.toml``."""

    def test_the_tree_keeps_every_contract(self, scratch: Path) -> None:
        """The source as it is keeps all seven contracts."""
        result = _lint_imports(scratch, ROOT / "pyproject.toml")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Contracts: 7 kept, 0 broken." in result.stdout

    @pytest.mark.parametrize(
        ("module", "line", "contract"),
        [
            ("model/plan.py", "from kapplan.edge.files import read_text", "pure core"),
            ("engine/planner.py", "import rich.text", "pure core"),
            ("views/labels.py", "from kapplan.engine import build_plan", "render what"),
            ("edge/load.py", "from kapplan.engine import build_plan", "does not plan"),
            ("model/zones.py", "import kapplan.i18n", "knows no wording"),
            ("formats/json.py", "import typer", "Only the command line imports typer"),
            ("api/plan.py", "import rich", "Only views import rich"),
        ],
    )
    def test_a_wrong_import_breaks_its_contract(
        self, scratch: Path, module: str, line: str, contract: str
    ) -> None:
        """One import the wrong way, added to a copy of the tree, fails the run and names
        the contract it breaks."""
        path = scratch / "src" / "kapplan" / module
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
        result = _lint_imports(scratch, ROOT / "pyproject.toml")
        assert result.returncode == 1, result.stdout
        broken = result.stdout.split("Broken contracts", 1)[1]
        assert contract in broken


def _python_files(*parts: str) -> list[Path]:
    files: list[Path] = []
    for part in parts:
        path = SRC / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _calls(path: Path) -> list[tuple[int, str]]:
    """Return every call in a file as (line, dotted name of what is called)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            found.append((node.lineno, ast.unparse(node.func)))
    return found


class TestPureCore:
    """What import contracts cannot see: the core calls no clock and opens no file."""

    # (`time.time` and friends: the `time` module is a forbidden import.)
    FORBIDDEN = ("now", "today", "utcnow", "fromtimestamp", "open", "print", "input")

    def test_no_clock_file_or_console_call(self) -> None:
        """model, engine and diff never call the clock, open a file or print."""
        offending = [
            f"{path.relative_to(SRC)}:{line}: {name}"
            for path in _python_files(*CORE)
            for line, name in _calls(path)
            if name.rpartition(".")[2] in self.FORBIDDEN
        ]
        assert offending == []

    def test_machine_zone_and_clock_are_read_by_the_command_line_only(self) -> None:
        """`machine_timezone()` and `datetime.now()` are called in kapplan.cli and nowhere
        else but where they are defined and re-exported (edge.config, api)."""
        callers = {
            str(path.relative_to(SRC))
            for path in _python_files(".")
            for _, name in _calls(path)
            if name.rpartition(".")[2] in ("machine_timezone", "now")
        }
        assert callers <= {"cli/shell.py", "cli/init.py"}, callers


class TestCommandLine:
    """The command line only translates: every command is a call into kapplan.api."""

    def test_no_function_body_over_60_lines(self) -> None:
        """No function in kapplan.cli has a body (after its docstring) over 60 lines."""
        long = []
        for path in _python_files("cli"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef):
                    continue
                body = node.body
                if ast.get_docstring(node) is not None:
                    body = body[1:]
                if body:
                    lines = (body[-1].end_lineno or 0) - body[0].lineno + 1
                    if lines > 60:
                        long.append(f"{path.name}:{node.name}: {lines} lines")
        assert long == []

    def test_commands_call_the_library(self) -> None:
        """Each command module imports kapplan.api, and none imports the engine, formats,
        views or diff: planning and rendering happen behind the library."""
        for path in _python_files("cli"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {
                node.module
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
            } | {
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            }
            behind = ("kapplan.engine", "kapplan.formats", "kapplan.views", "kapplan.diff")
            assert not any(m.startswith(behind) for m in imported), (path.name, imported)
        for command in ("plan", "init", "config", "diff", "rules", "schema", "validate"):
            text = (SRC / "cli" / f"{command}.py").read_text(encoding="utf-8")
            assert "from kapplan import api" in text, command


def test_public_names_resolve_on_first_use() -> None:
    """Every name `kapplan` exports resolves to its module's object, imported when asked."""
    import kapplan
    from kapplan import api

    assert kapplan.plan_files is api.plan_files
    for name in kapplan.__all__:
        assert getattr(kapplan, name) is not None, name
    with pytest.raises(AttributeError):
        _ = kapplan.no_such_name  # type: ignore[attr-defined]
