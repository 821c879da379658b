"""Coverage-guided fuzzing of the whole path with atheris (optional; see README).

Run: ``python tests/fuzz/fuzz_schedule.py -max_total_time=60 -timeout=20``
(any libFuzzer flags; give a folder of seed files, e.g. ``examples/``, to
start from the examples). Each input is read as a schedule file from stdin
by the real loader, planned, and rendered as JSON, .ics and the terminal
view; a `KapplanError` is the expected answer to bad input, anything else
is a crash that libFuzzer reports with the input that caused it.
"""

from __future__ import annotations

import io
import sys

import atheris

with atheris.instrument_imports(include=["kapplan"]):
    from kapplan.edge.load import default_rulebook, load_schedule
    from kapplan.engine import build_plan
    from kapplan.errors import KapplanError
    from kapplan.formats.ics import IcsOptions, render_ics
    from kapplan.formats.json import render_json
    from kapplan.i18n import catalogues
    from kapplan.views.agenda import render_terminal

RULEBOOK = default_rulebook()
TEXTS = catalogues()


def test_one_input(data: bytes) -> None:
    """Plan one input; only a `KapplanError` may come out."""
    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        schedule = load_schedule("-")
        plan = build_plan(schedule, RULEBOOK, texts=TEXTS)
    except KapplanError:
        return
    finally:
        sys.stdin = stdin
    render_json(plan)
    render_ics(plan, IcsOptions())
    render_terminal(plan, width=100, color=False)


def main() -> None:
    """Hand the target to libFuzzer with the command line's flags."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
