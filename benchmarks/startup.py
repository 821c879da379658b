"""Start-up: whole kapplan processes against a bare ``python -c pass``, same run.

Also measures what kapplan cannot go below with its stack: importing typer
(which the command line is built on) and pydantic (which validates every
schedule, and which typer itself uses to convert option values).
"""

from __future__ import annotations

import sys

from measure import KAPPLAN, medians

EXAMPLE = "examples/iv-six-infusions.toml"

#: The commands measured, by name; budgets are ratios to ``bare``.
COMMANDS: dict[str, list[str]] = {
    "bare": [sys.executable, "-c", "pass"],
    "version": [KAPPLAN, "--version"],
    "json": [KAPPLAN, "plan", EXAMPLE, "--format", "json"],
    "ics": [KAPPLAN, "plan", EXAMPLE, "--format", "ics"],
    "terminal": [KAPPLAN, "plan", EXAMPLE],
    "import typer": [sys.executable, "-c", "import typer"],
    "import pydantic": [sys.executable, "-c", "from pydantic import BaseModel"],
    "import both": [sys.executable, "-c", "import typer; from pydantic import BaseModel"],
}

#: Budgets: at most this many times bare Python.
BUDGETS = {"json": 6.0, "ics": 6.0, "terminal": 8.0}


def measure(runs: int) -> dict[str, float]:
    """Return the median seconds of every command in `COMMANDS` (runs interleaved)."""
    return medians(COMMANDS, runs)


if __name__ == "__main__":
    results = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    bare = results["bare"]
    for name, seconds in results.items():
        print(f"{name:16} {seconds * 1000:7.1f} ms {seconds / bare:5.1f}x")
