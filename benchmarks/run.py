"""Run every benchmark and write the results table into the README.

Usage (needs the ``test`` extra, for the icalendar comparison)::

    .venv/bin/python benchmarks/run.py            # full run (minutes); updates README.md
    .venv/bin/python benchmarks/run.py --quick    # small sizes, few runs; prints only

The table goes between ``<!-- bench-table:start -->`` and
``<!-- bench-table:end -->`` in README.md. A quick run never touches the
README: its sizes are not the ones the budgets are for.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import sys
from pathlib import Path

import ics_compare
import startup
import throughput
from measure import ROOT

README = ROOT / "README.md"
MARKERS = ("<!-- bench-table:start -->", "<!-- bench-table:end -->")

#: The caseload the throughput budget is for, and its limits.
CASELOAD = 1000
MAX_SECONDS = 2.0
MAX_MB = 200.0
MIN_SPEEDUP = 20.0
#: Growth is near-linear when the time per client at 8x is at most this much
#: above the time per client at 1x (fixed start-up costs make it lower).
MAX_GROWTH = 1.25


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(quick: bool) -> str:
    """Run the benchmarks and return the README's results table (Markdown)."""
    size = 200 if quick else CASELOAD
    load = os.getloadavg()[0]
    print("start-up ...", file=sys.stderr)
    times = startup.measure(8 if quick else 30)
    print("throughput ...", file=sys.stderr)
    ics = throughput.measure(size, 1 if quick else 3)
    every = throughput.measure(size, 1, output="json")
    print("icalendar comparison ...", file=sys.stderr)
    versus = ics_compare.compare(100 if quick else size, 1 if quick else 3)
    print("growth ...", file=sys.stderr)
    grown = throughput.growth(50 if quick else size, 1)

    bare = times["bare"]

    def ratio(name: str) -> str:
        return f"{times[name] * 1000:.0f} ms ({times[name] / bare:.1f}x)"

    rows = [
        ("bare Python, `python -c pass` (the yardstick)", f"{bare * 1000:.1f} ms", "", ""),
        ("`kapplan --version`", ratio("version"), "", ""),
    ]
    for name, label in (
        ("json", "`kapplan plan iv-six-infusions.toml -f json`"),
        ("ics", "`kapplan plan iv-six-infusions.toml -f ics`"),
        ("terminal", "`kapplan plan iv-six-infusions.toml` (terminal view)"),
    ):
        limit = startup.BUDGETS[name]
        rows.append((label, ratio(name), f"≤ {limit:g}x", _met(times[name] / bare <= limit)))
    for name, label in (
        ("import typer", "floor: `import typer`"),
        ("import pydantic", "floor: `from pydantic import BaseModel`"),
        ("import both", "floor: both imports, nothing else"),
    ):
        rows.append((label, ratio(name), "", ""))
    what = f"{ics.clients:,}-client caseload ({ics.doses:,} doses) → therapist's .ics"
    rows += [
        (
            f"{what}, {ics.events:,} events: whole process",
            f"{ics.seconds:.2f} s",
            f"< {MAX_SECONDS:g} s",
            _met(ics.seconds < MAX_SECONDS and size == CASELOAD),
        ),
        (
            f"{what}: peak memory (child's max RSS)",
            f"{ics.peak_mb:.0f} MiB",
            f"< {MAX_MB:g} MiB",
            _met(ics.peak_mb < MAX_MB and size == CASELOAD),
        ),
        (
            f"same caseload → JSON, every event of every client ({every.events:,})",
            f"{every.seconds:.2f} s, {every.peak_mb:.0f} MiB",
            "",
            "",
        ),
        (
            f"ICS writer vs icalendar `to_ical()`, same {versus.events:,} events",
            f"{versus.kapplan_seconds:.3f} s vs {versus.icalendar_seconds:.2f} s: "
            f"{versus.speedup:.0f}x faster",
            f"≥ {MIN_SPEEDUP:g}x",
            _met(versus.speedup >= MIN_SPEEDUP),
        ),
    ]
    per_client = [g.seconds / g.clients for g in grown]
    growth = per_client[-1] / per_client[0]
    rows.append(
        (
            "growth, "
            + " / ".join(f"{g.clients:,}" for g in grown)
            + " clients (time per client at 8x ÷ at 1x)",
            " / ".join(f"{g.seconds:.2f} s" for g in grown) + f" ({growth:.2f})",
            f"≤ {MAX_GROWTH:g}",
            _met(growth <= MAX_GROWTH),
        )
    )
    today = datetime.date.today().isoformat()
    header = (
        f"Measured {today} on {_cpu()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()}; load average {load:.2f} at the "
        f"start{' (quick run: small sizes)' if quick else ''}. Times are medians of whole "
        "processes (start-up runs interleaved)."
    )
    lines = [header, "", "| what | measured | budget | met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines) + "\n"


def write_readme(text: str) -> None:
    """Replace the table between the markers in README.md."""
    readme = README.read_text(encoding="utf-8")
    start, end = (re.escape(m) for m in MARKERS)
    pattern = re.compile(f"{start}\n.*?{end}", re.DOTALL)
    if not pattern.search(readme):
        raise SystemExit(f"README.md has no {MARKERS[0]} … {MARKERS[1]} block")
    README.write_text(
        pattern.sub(lambda _: f"{MARKERS[0]}\n{text}{MARKERS[1]}", readme), encoding="utf-8"
    )


def main() -> None:
    """Run the benchmarks; print the table; write it into the README on a full run."""
    parser = argparse.ArgumentParser(description="Run kapplan's benchmarks.")
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs; print only")
    parser.add_argument("--no-readme", action="store_true", help="print only, even on a full run")
    args = parser.parse_args()
    text = table(args.quick)
    print(text)
    if not (args.quick or args.no_readme):
        write_readme(text)
        print(f"wrote the table into {README.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
