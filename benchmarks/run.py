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
import subprocess
import sys
import time
from pathlib import Path

import ics_compare
import identical
import quality
import startup
import terminal
import throughput
from measure import ROOT

README = ROOT / "README.md"
MARKERS = ("<!-- bench-table:start -->", "<!-- bench-table:end -->")
QUALITY_MARKERS = ("<!-- quality-table:start -->", "<!-- quality-table:end -->")

MIN_SPEEDUP = 20.0
#: The test suite's budget: the README's test command, whole, on this machine.
MAX_TEST_SECONDS = 100.0


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


def _startup_rows(runs: int) -> list[tuple[str, str, str, str]]:
    times = startup.measure(runs)
    bare = times["bare"]

    def ms(name: str) -> str:
        return f"{times[name] * 1000:.0f} ms ({times[name] / bare:.1f}x bare)"

    rows = [
        ("bare Python, `python -c pass`", f"{bare * 1000:.1f} ms", "", ""),
        ("floor: `benchmarks/floor.py` (typer + pydantic: TOML → model → JSON)", ms("floor"),
         "", ""),
        ("floor + Rich: `benchmarks/floor_rich.py` (the same, printed as a Rich table)",
         ms("floor + rich"), "", ""),
    ]  # fmt: skip
    for name, label in (
        ("version", "`kapplan --version`"),
        ("json", "`kapplan plan iv-six-infusions.toml -f json`"),
        ("ics", "`kapplan plan iv-six-infusions.toml -f ics`"),
        ("terminal", "`kapplan plan iv-six-infusions.toml` (terminal view)"),
    ):
        yardstick, limit = startup.BUDGETS[name]
        measured = ms(name)
        if yardstick != "bare":
            measured += f", {startup.ratio(times, name):.2f}x {yardstick}"
        rows.append((label, measured, f"≤ {limit:g}x {yardstick}",
                     _met(startup.within(times, name))))  # fmt: skip
    for name in ("import typer", "import pydantic", "import both"):
        rows.append((f"(what the floor is made of: `{name}`)", ms(name), "", ""))
    return rows


def _throughput_rows(quick: bool) -> list[tuple[str, str, str, str]]:
    size = 200 if quick else throughput.CASELOAD
    versus = throughput.versus_floor(size, 1 if quick else 3)
    k = versus.kapplan
    what = f"{k.clients:,}-client caseload ({k.doses:,} doses) → therapist's .ics"
    rows = [
        (
            f"{what}, {k.events:,} events: CPU time ÷ the plain-Python floor "
            "(`benchmarks/floor_caseload.py`, same files, as many events)",
            f"{k.cpu_seconds:.2f} s ÷ {versus.floor_cpu_seconds:.2f} s = {versus.ratio:.1f}x",
            f"≤ {throughput.MAX_FLOOR_RATIO:g}x",
            _met(versus.ratio <= throughput.MAX_FLOOR_RATIO),
        ),
        (
            f"{what}: wall time, peak memory (reported)",
            f"{k.seconds:.2f} s, {k.peak_mb:.0f} MiB",
            f"goal < {throughput.WALL_GOAL:g} s on a quiet machine",
            "",
        ),
    ]
    sizes = (200, 600) if quick else tuple(throughput.MAX_JSON_MB)
    for m in throughput.memory(sizes):
        limit = throughput.MAX_JSON_MB.get(m.clients)
        rows.append(
            (
                f"{m.clients:,}-client caseload → JSON, every event ({m.events:,}): peak memory",
                f"{m.peak_mb:.0f} MiB ({m.seconds:.1f} s)",
                f"< {limit:g} MiB" if limit else "",
                _met(m.peak_mb < limit) if limit else "",
            )
        )
    grown = throughput.growth(20 if quick else throughput.GROWTH_BASE, 1)
    ratio = throughput.per_client_growth(grown)
    rows.append(
        (
            "growth, "
            + " / ".join(f"{g.clients:,}" for g in grown)
            + " clients → .ics (CPU time per client at "
            + f"{throughput.GROWTH_FACTORS[-1]}x ÷ at 1x)",
            " / ".join(f"{g.cpu_seconds:.2f} s" for g in grown) + f" ({ratio:.2f})",
            f"≤ {throughput.MAX_GROWTH:g}",
            _met(ratio <= throughput.MAX_GROWTH),
        )
    )
    return rows


def _terminal_rows(runs: int) -> list[tuple[str, str, str, str]]:
    times = terminal.measure(runs)
    return [
        (
            "1,000-dose plan: terminal view ÷ its JSON (month view reported)",
            f"{times['terminal']:.2f} s ÷ {times['json']:.2f} s = {times['ratio']:.2f}x "
            f"(month {times['month ratio']:.2f}x)",
            f"≤ {terminal.BUDGET:g}x",
            _met(times["ratio"] <= terminal.BUDGET),
        )
    ]


def _quality_rows() -> list[tuple[str, str, str, str]]:
    readme = README.read_text(encoding="utf-8")
    start, end = (readme.index(m) for m in QUALITY_MARKERS)
    recorded = readme[start + len(QUALITY_MARKERS[0]) : end].strip()
    same_quality = quality.run().strip() == recorded
    same = identical.compare()
    return [
        (
            "plan quality: `benchmarks/quality.py` (unmet windows, lateness) against the "
            "README's table",
            "the same" if same_quality else "different",
            "unchanged",
            _met(same_quality),
        ),
        (
            "output of 300/1,000-client caseloads and a 1,000-dose plan against digests "
            "recorded before the speed-ups (`benchmarks/identical.py`)",
            f"{sum(same.values())} of {len(same)} byte-identical",
            "all",
            _met(all(same.values())),
        ),
    ]


def _test_rows() -> list[tuple[str, str, str, str]]:
    """Run the README's test command (the suite, all but the slow tests) and time it."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1].strip("= ")
    return [
        (
            "test suite, `.venv/bin/python -m pytest` (the README's command; `-m slow` not "
            "included)",
            f"{seconds:.0f} s ({summary})",
            f"< {MAX_TEST_SECONDS:g} s",
            _met(done.returncode == 0 and seconds < MAX_TEST_SECONDS),
        )
    ]


def table(quick: bool, *, tests: bool = True) -> str:
    """Run the benchmarks and return the README's results table (Markdown)."""
    load = os.getloadavg()[0]
    print("start-up ...", file=sys.stderr)
    rows = _startup_rows(8 if quick else 30)
    print("throughput, memory, growth ...", file=sys.stderr)
    rows += _throughput_rows(quick)
    print("terminal view ...", file=sys.stderr)
    rows += _terminal_rows(1 if quick else 5)
    print("icalendar comparison ...", file=sys.stderr)
    versus = ics_compare.compare(100 if quick else throughput.CASELOAD, 1 if quick else 3)
    rows.append(
        (
            f"ICS writer vs icalendar `to_ical()`, same {versus.events:,} events",
            f"{versus.kapplan_seconds:.3f} s vs {versus.icalendar_seconds:.2f} s: "
            f"{versus.speedup:.0f}x faster",
            f"≥ {MIN_SPEEDUP:g}x",
            _met(versus.speedup >= MIN_SPEEDUP),
        )
    )
    if not quick:
        print("plan quality and identical output ...", file=sys.stderr)
        rows += _quality_rows()
    if tests:
        print("test suite ...", file=sys.stderr)
        rows += _test_rows()
    today = datetime.date.today().isoformat()
    header = (
        f"Measured {today} on {_cpu()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()}; load average {load:.2f} at the "
        f"start{' (quick run: small sizes)' if quick else ''}. Times are medians of whole "
        "processes (start-up runs interleaved); every budget is a ratio to a floor measured "
        "in the same run, except memory and the test suite's time."
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
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test suite")
    args = parser.parse_args()
    text = table(args.quick, tests=not args.no_tests)
    print(text)
    if not (args.quick or args.no_readme):
        write_readme(text)
        print(f"wrote the table into {README.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
