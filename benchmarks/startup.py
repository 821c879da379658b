"""Start-up: whole kapplan processes against floors measured in the same run.

The yardsticks, each run as a whole process interleaved with kapplan's:

- ``bare``: ``python -c pass``, for ``kapplan --version`` (which needs nothing
  of the stack);
- ``floor``: `floor.py`, a plain typer command that reads a TOML schedule into a
  small pydantic model and prints it as JSON: what the stack costs a program that
  does kapplan's job at all, for ``plan -f json`` and ``plan -f ics``;
- ``floor + rich``: `floor_rich.py`, the same with its schedule printed as a Rich
  table, for the terminal view.

The import-only rows (typer, pydantic, both) show what the floors themselves
are made of.
"""

from __future__ import annotations

import sys

from measure import KAPPLAN, ROOT, medians

EXAMPLE = "examples/iv-six-infusions.toml"
HERE = ROOT / "benchmarks"

#: The commands measured, by name.
COMMANDS: dict[str, list[str]] = {
    "bare": [sys.executable, "-c", "pass"],
    "floor": [sys.executable, str(HERE / "floor.py"), EXAMPLE],
    "floor + rich": [sys.executable, str(HERE / "floor_rich.py"), EXAMPLE],
    "version": [KAPPLAN, "--version"],
    "json": [KAPPLAN, "plan", EXAMPLE, "--format", "json"],
    "ics": [KAPPLAN, "plan", EXAMPLE, "--format", "ics"],
    "terminal": [KAPPLAN, "plan", EXAMPLE],
    "import typer": [sys.executable, "-c", "import typer"],
    "import pydantic": [sys.executable, "-c", "from pydantic import BaseModel"],
    "import both": [sys.executable, "-c", "import typer; from pydantic import BaseModel"],
}

#: Budgets: each command at most this many times its yardstick (a command of
#: `COMMANDS`), measured in the same run.
BUDGETS: dict[str, tuple[str, float]] = {
    "version": ("bare", 2.0),
    "json": ("floor", 1.15),
    "ics": ("floor", 1.15),
    "terminal": ("floor + rich", 1.15),
}


def measure(runs: int) -> dict[str, float]:
    """Return the median seconds of every command in `COMMANDS` (runs interleaved)."""
    return medians(COMMANDS, runs)


def ratio(results: dict[str, float], name: str) -> float:
    """Return a budgeted command's time as a multiple of its yardstick's (see `BUDGETS`).

    Parameters:
        results: What `measure` returned.
        name: A command of `BUDGETS`.

    Returns:
        Its median over its yardstick's median.
    """
    yardstick, _ = BUDGETS[name]
    return results[name] / results[yardstick]


def within(results: dict[str, float], name: str) -> bool:
    """Tell whether a budgeted command met its budget (see `BUDGETS`)."""
    return ratio(results, name) <= BUDGETS[name][1]


if __name__ == "__main__":
    results = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    bare = results["bare"]
    for name, seconds in results.items():
        line = f"{name:16} {seconds * 1000:7.1f} ms {seconds / bare:5.1f}x bare"
        if name in BUDGETS:
            yardstick, limit = BUDGETS[name]
            verdict = "met" if within(results, name) else "NOT MET"
            line += f"  {ratio(results, name):5.2f}x {yardstick} (budget {limit:g}x: {verdict})"
        print(line)
