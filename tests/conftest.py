"""Shared fixtures: golden files, example paths, a CLI runner, and CalDAV servers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.cli_runner import CliRunner

#: Real CalDAV servers (Radicale, Xandikos), a plain-HTTP reader and a fault proxy.
pytest_plugins = ["tests.caldav_servers"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Xandikos runs with the slow tests only (the default run keeps Radicale): leave out
    the sync tests' pairing of it with the three-dose course, as it syncs the whole course
    there (tests/test_sync.py), and mark the harness's own tests of it slow
    (tests/test_caldav_servers.py), so the default run starts no Xandikos. First of the
    hooks, so that ``-m`` sees the mark."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("caldav_server") == "xandikos" and params.get("course") == "three-doses":
            dropped.append(item)
            continue
        if params.get("caldav_server") == "xandikos":
            item.add_marker(pytest.mark.slow)
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


#: pytest keeps each test module with its asserts rewritten in ``tests/__pycache__``
#: (which git ignores) and reads it back while the module is unchanged, but writes none
#: where PYTHONDONTWRITEBYTECODE is set (as on CI's machine): every worker of every run
#: would rewrite all of them again, 2 s a worker. The suite's own processes write them.
sys.dont_write_bytecode = False


def pytest_configure(config: pytest.Config) -> None:
    """Compile kapplan's modules to bytecode once, before any test runs.

    The suite runs kapplan as a process a few hundred times (where the process is the
    point: signals, streams, start-up). Where no bytecode is cached (a fresh clone, with
    PYTHONDONTWRITEBYTECODE set, as on CI's machine), each of those processes would
    compile every module again, 0.12 s a run. Compiled here once, into the source tree's
    ``__pycache__`` folders (which git ignores), as any import without that variable
    would; a test that starts kapplan with ``-B`` reads them and writes none. In the
    main process only: pytest-xdist's workers start after it.
    """
    if hasattr(config, "workerinput"):
        return
    import compileall

    compileall.compile_dir(ROOT / "src", quiet=1)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the one switch that regenerates golden files."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/ from the current output (review the diff!).",
    )


@pytest.fixture(name="golden")
def fixture_golden(request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """Compare bytes with tests/golden/NAME, or rewrite it under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(name: str, actual: bytes) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual)
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review it"
        expected = path.read_bytes()
        assert actual == expected, (
            f"{name} differs from its golden file (see git diff after --update-golden)"
        )

    return check


@pytest.fixture(autouse=True)
def _no_user_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point KAPPLAN_CONFIG at a missing file: no test reads the developer's own config."""
    missing = tmp_path_factory.getbasetemp() / "no-user-config" / "config.toml"
    monkeypatch.setenv("KAPPLAN_CONFIG", str(missing))


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix today's date (KAPPLAN_TODAY) before every example's first dose, in process and in
    a child alike: no output depends on the day the tests run. A test that wants another
    day sets it."""
    monkeypatch.setenv("KAPPLAN_TODAY", "2000-01-03")


@pytest.fixture(autouse=True)
def _no_terminal_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset COLUMNS and LINES, whoever set them (a pytest-xdist worker has 80 and 24): kapplan
    lays text out to COLUMNS, in process and in a child alike. A test that wants a width
    sets it."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture(name="runner")
def fixture_runner() -> CliRunner:
    """Return a CLI runner with a fixed terminal-free environment."""
    return CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC"})


# In CI, property tests use a fixed seed and no example database, so a run is
# reproducible; locally they explore freshly each time. Neither times an example:
# Hypothesis' deadline would be a timed test, failing a correct run on a busy machine
# (speed is measured in benchmarks/, as ratios).
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

#: Multiplies the example counts of the whole-path and fuzz suites, for a longer
#: hunt than CI's: `KAPPLAN_FUZZ_SCALE=20 pytest tests/test_fuzz.py`.
SCALE = max(1, int(os.environ.get("KAPPLAN_FUZZ_SCALE", "1") or "1"))


def default_first(values: Iterable[Any], *, unpack: bool = False, keep: int = 1) -> list[Any]:
    """Parameter values of which the default run takes the first (`keep` first) alone.

    The others prove the same behaviour again on other inputs (another example, stream,
    format or server): they run with the slow tests (`-m slow`, the second step of
    .ci/run), so CI still runs every one, and the everyday run stays quick.

    Parameters:
        values: The values, the first of them the one the default run keeps.
        unpack: Each value is a tuple of several arguments (a parametrize over more
            than one name).
        keep: How many of the first values the default run takes.

    Returns:
        The values for ``pytest.mark.parametrize``, all but the first `keep` marked slow.
    """
    return [
        value
        if n < keep
        else pytest.param(*(value if unpack else (value,)), marks=pytest.mark.slow)
        for n, value in enumerate(values)
    ]


def examples(quick: int, full: int) -> pytest.MarkDecorator:
    """Run a property test twice over: `quick` examples in the default run, `full` under
    the `slow` mark (the second step of .ci/run), both times `SCALE`.

    The test takes the count as its `runs` argument and applies it with
    ``settings(..., max_examples=runs)`` to the `@given` check it calls. Both share the
    check, so its example database too: a failure the full run found is replayed first
    by the quick one.

    Parameters:
        quick: Examples for an everyday run: enough to exercise every branch of the
            strategy, a few seconds on two cores.
        full: Examples for the full hunt (what the whole suite ran before it had a quick
            run).

    Returns:
        A parametrize mark over `runs`, ids `quick` and `full`.
    """
    return pytest.mark.parametrize(
        "runs",
        [
            pytest.param(quick * SCALE, id="quick"),
            pytest.param(full * SCALE, id="full", marks=pytest.mark.slow),
        ],
    )
