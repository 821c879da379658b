"""The terminal view of a big plan: whole kapplan processes against its JSON, same run.

The plan is one series of 1,000 daily doses, the most a schedule may hold
(7,016 events and 999 warnings). Its terminal view (``kapplan plan FILE``,
stdout to a file, so 100 columns and no colour) is timed against its JSON
(``--format json``), which plans the same and writes every event; the month
view (``--view month``) too. Runs are interleaved; the budget is a ratio.

Usage: ``python benchmarks/terminal.py [RUNS]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from measure import KAPPLAN, run

#: The largest schedule a plan may have: 1,000 doses, one a day.
SCHEDULE = """\
timezone = "Europe/London"

[[series]]
rrule = "FREQ=DAILY;COUNT=1000"
method = "iv"
start = 2027-01-04T10:00:00
"""

#: Budget: the terminal view takes at most this many times the JSON's time.
BUDGET = 1.3


def measure(runs: int, *, warmup: int = 1) -> dict[str, float]:
    """Time the JSON, the terminal view and the month view of the 1,000-dose plan.

    Parameters:
        runs: Measured runs of each command, interleaved (the median is kept).
        warmup: Unmeasured runs of each first.

    Returns:
        Median seconds by name (``json``, ``terminal``, ``month``), and
        ``ratio`` and ``month ratio``: each view's median over the JSON's.

    Raises:
        RuntimeError: When a command fails or writes nothing.
    """
    with tempfile.TemporaryDirectory(prefix="kapplan-bench-") as name:
        folder = Path(name)
        schedule = folder / "d1000.toml"
        schedule.write_text(SCHEDULE, encoding="utf-8")
        commands = {
            "json": [KAPPLAN, "plan", str(schedule), "--format", "json"],
            "terminal": [KAPPLAN, "plan", str(schedule)],
            "month": [KAPPLAN, "plan", str(schedule), "--view", "month"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(warmup + runs):
            for name, command in commands.items():
                output = folder / f"{name}.out"
                seconds = run(command, stdout=output).seconds
                if not output.stat().st_size:
                    raise RuntimeError(f"{' '.join(command)} wrote nothing")
                if round_number >= warmup:
                    times[name].append(seconds)
    results = {name: statistics.median(values) for name, values in times.items()}
    results["ratio"] = results["terminal"] / results["json"]
    results["month ratio"] = results["month"] / results["json"]
    return results


if __name__ == "__main__":
    results = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    for name in ("json", "terminal", "month"):
        print(f"{name:10} {results[name]:6.2f} s {results[name] / results['json']:5.2f}x")
    verdict = "within" if results["ratio"] <= BUDGET else "OVER"
    print(f"terminal / json {results['ratio']:.2f} ({verdict} the budget of {BUDGET}x)")
