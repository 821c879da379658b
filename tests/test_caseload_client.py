"""One client's view of a caseload: ``kapplan plan clients/ --client vera``.

The client's own plan, rendered as one schedule's, with the times booked in the
caseload; its sessions are the therapist calendar's, event for event. The .ics
files are read back with the icalendar library, an independent parser.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import icalendar
import pytest

from kapplan.api import plan_files
from kapplan.cli.app import app
from kapplan.formats.json import render_json
from kapplan.model.settings import Flags
from kapplan.views.html import render_html
from tests.cli_runner import CliRunner
from tests.conftest import ROOT, default_first
from tests.plans import doses

CASELOAD = ROOT / "examples" / "caseload"
LISBON = ROOT / "examples" / "therapist" / "lisbon.toml"

#: Two clients who want the only free hour of the week (as in test_caseload.py).
CONTESTED = {
    "late.toml": 'client = "Late"\n' + doses("2026-12-07T10:00:00"),
    "soon.toml": 'client = "Soon"\n' + doses("2026-12-06T12:00:00"),
}
ONLY_WEDNESDAY = '[availability]\ndays = ["wed"]\nhours = "10:00-11:00"\n'


@dataclass(frozen=True)
class Timed:
    """An event as the icalendar library reads it: what a calendar app books."""

    summary: str
    start: datetime
    end: datetime


def _events(document: str) -> dict[str, Timed]:
    """Read a calendar's events by UID with the icalendar library."""
    calendar = icalendar.Calendar.from_ical(document)
    return {
        str(event["UID"]): Timed(str(event["SUMMARY"]), event["DTSTART"].dt, event["DTEND"].dt)
        for event in calendar.walk("VEVENT")
    }


def _copy(folder: Path, *, prefix: str = "", only: str | None = None) -> Path:
    """Copy the example caseload, putting `prefix` at the top of one or every schedule."""
    folder.mkdir()
    for path in sorted(CASELOAD.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if only is None or path.stem == only:
            text = prefix + text
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def _contested(folder: Path) -> Path:
    folder.mkdir()
    for name, body in CONTESTED.items():
        (folder / name).write_text(
            'timezone = "Europe/Berlin"\n' + body + ONLY_WEDNESDAY, encoding="utf-8"
        )
    return folder


#: Every caseload the tests know: the example (English, Russian, Vera alone in
#: Russian, clients named by file stem) and the contested hour.
CASELOADS = {
    "example": lambda tmp: CASELOAD,
    "russian": lambda tmp: _copy(tmp / "ru", prefix='language = "ru"\n'),
    "vera-russian": lambda tmp: _copy(tmp / "vera-ru", prefix='language = "ru"\n', only="vera"),
    "contested": lambda tmp: _contested(tmp / "contested"),
}


def _run(runner: CliRunner, *args: str | Path) -> str:
    result = runner.invoke(app, ["plan", *map(str, args)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("therapist", [None, LISBON], ids=["no-therapist", "lisbon"])
@pytest.mark.parametrize("name", default_first(sorted(CASELOADS), keep=2))
def test_each_clients_sessions_are_the_therapists(
    runner: CliRunner, tmp_path: Path, name: str, therapist: Path | None
) -> None:
    """For every client of every caseload, with and without a therapist file, the
    client's own .ics and the therapist's .ics hold the client's sessions as the
    same events (UID, DTSTART, DTEND), and every event the therapist's calendar
    shows of the client (titled with the label) is in the client's calendar."""
    folder = CASELOADS[name](tmp_path)
    hours = () if therapist is None else ("--therapist", therapist)
    theirs = _events(_run(runner, folder, *hours, "-f", "ics"))
    labels = [p.client for p in plan_files([str(folder)], therapist=_str(therapist)).plans]
    assert len(labels) > 1
    for label in labels:
        own = _events(_run(runner, folder, *hours, "--client", label.lower(), "-f", "ics"))
        (plan,) = plan_files([str(folder)], therapist=_str(therapist), client=label).plans
        assert plan.sessions, label
        for event in plan.sessions:
            assert own[event.uid].start == theirs[event.uid].start, (label, event.title)
            assert own[event.uid].end == theirs[event.uid].end, (label, event.title)
        shown = {uid: e for uid, e in theirs.items() if e.summary.startswith(f"{label}: ")}
        assert len(shown) >= len(plan.sessions)
        for uid, event in shown.items():
            assert (own[uid].start, own[uid].end) == (event.start, event.end), (label, uid)
            assert event.summary == f"{label}: {own[uid].summary}"
        # The client's calendar is the whole plan, not the therapist's selection.
        assert len(own) == len(plan.events) > len(shown)


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


@pytest.mark.parametrize("therapist", [None, LISBON], ids=["no-therapist", "lisbon"])
def test_the_client_is_planned_as_in_the_caseload(
    runner: CliRunner, therapist: Path | None
) -> None:
    """``--client`` gives exactly the client's plan of the caseload, rendered as one
    schedule's: the JSON and the handout are those of `plan_files`' plan of her."""
    hours = () if therapist is None else ("--therapist", therapist)
    caseload = plan_files([str(CASELOAD)], therapist=_str(therapist))
    assert len(caseload.rulebooks) == len(caseload.plans)
    for plan, book in zip(caseload.plans, caseload.rulebooks, strict=True):
        label = plan.client
        assert _run(runner, CASELOAD, *hours, "--client", label, "-f", "json") == render_json(plan)
        handout = render_html(plan, rulebook=book)
        assert _run(runner, CASELOAD, *hours, "--client", label, "-f", "html") == handout


def test_the_booked_times_are_not_the_times_planned_alone(runner: CliRunner) -> None:
    """Planned alone, Vera's sessions fall where Anna's do; ``--client vera`` gives the
    times the caseload booked, on Vera's clock, so they differ from her plan alone."""
    alone = _events(_run(runner, CASELOAD / "vera.toml", "-f", "ics"))
    booked = _events(_run(runner, CASELOAD, "--client", "vera", "-f", "ics"))
    assert alone.keys() == booked.keys()
    moved = [
        uid
        for uid in alone
        if (alone[uid].start, alone[uid].end) != (booked[uid].start, booked[uid].end)
    ]
    assert moved


def test_the_client_view_is_on_the_clients_clock(runner: CliRunner) -> None:
    """The terminal view and month view are the client's, headed with her label and
    zone, not the therapist's agenda."""
    args = (CASELOAD, "--therapist", LISBON, "--client", "VERA")
    agenda = _run(runner, *args)
    assert agenda.startswith("Integration plan for Vera   (Europe/Moscow)\n")
    assert "Anna" not in agenda
    assert "Boris" not in agenda
    month = _run(runner, *args, "--view", "month")
    assert month.startswith("Integration plan for Vera   (Europe/Moscow)\n")


def test_the_calendar_is_named_for_the_client(runner: CliRunner) -> None:
    """The client's .ics is called after the client (and "Personal" when discreet)."""
    text = _run(runner, CASELOAD, "--therapist", LISBON, "--client", "boris", "-f", "ics")
    assert "\nX-WR-CALNAME:Integration plan: Boris\n" in text
    discreet = _run(runner, CASELOAD, "--client", "boris", "-f", "ics", "--discreet")
    assert "\nX-WR-CALNAME:Personal\n" in discreet


def test_a_russian_client_in_russian(runner: CliRunner, tmp_path: Path) -> None:
    """Vera's schedule says ``language = "ru"``: her view is in Russian, Anna's in English,
    and her sessions are still the therapist's."""
    folder = _copy(tmp_path / "c", prefix='language = "ru"\n', only="vera")
    hours = ("--therapist", LISBON)
    vera = _run(runner, folder, *hours, "--client", "vera", "-f", "ics")
    assert "\nX-WR-CALNAME:План интеграции: Vera\n" in vera
    titles = [e.summary for e in _events(vera).values()]
    assert titles
    assert all(re.search(r"[А-Яа-я]", title) for title in titles)
    agenda = _run(runner, folder, *hours, "--client", "vera")
    assert re.search(r"[А-Яа-я]", agenda)
    handout = _run(runner, folder, *hours, "--client", "vera", "-f", "html")
    assert '<html lang="ru">' in handout
    anna = _run(runner, folder, *hours, "--client", "anna")
    assert not re.search(r"[А-Яа-я]", anna)


def test_an_unknown_client_is_one_line(runner: CliRunner) -> None:
    """A name no client has: exit 2 and one line on stderr naming the clients."""
    result = runner.invoke(app, ["plan", str(CASELOAD), "--client", "zoe"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "kapplan: error: --client: no client 'zoe' in the caseload; "
        "expected one of Anna, Boris, Vera\n"
    )


def test_an_ambiguous_client_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    """Labels that differ only in case: a name matching both is refused in one line that
    names them; a name written exactly as one of them picks it."""
    folder = tmp_path / "c"
    folder.mkdir()
    for stem, label in (("a", "Vera"), ("b", "VERA")):
        text = (CASELOAD / "vera.toml").read_text(encoding="utf-8")
        (folder / f"{stem}.toml").write_text(
            text.replace('client = "Vera"', f'client = "{label}"'), encoding="utf-8"
        )
    result = runner.invoke(app, ["plan", str(folder), "--client", "vera"])
    assert result.exit_code == 2
    assert result.stderr == (
        "kapplan: error: --client: 'vera' could be any of Vera, VERA; "
        "expected one label as written\n"
    )
    assert _run(runner, folder, "--client", "VERA").startswith("Integration plan for VERA ")


def test_a_client_without_a_label_is_named_by_file_stem(runner: CliRunner, tmp_path: Path) -> None:
    """A schedule without ``client`` is the client its file is named after."""
    folder = tmp_path / "c"
    folder.mkdir()
    for path in CASELOAD.glob("*.toml"):
        text = re.sub(r'^client = ".*"\n', "", path.read_text(encoding="utf-8"), flags=re.M)
        (folder / path.name).write_text(text, encoding="utf-8")
    assert _run(runner, folder, "--client", "Boris").startswith("Integration plan for boris ")


def test_client_of_a_single_schedule_is_its_own_plan(runner: CliRunner, tmp_path: Path) -> None:
    """One schedule is a caseload of one: ``--client`` naming it changes nothing, any
    other name is refused as for a caseload."""
    vera = CASELOAD / "vera.toml"
    for extra in ((), ("-f", "ics"), ("-f", "json")):
        assert _run(runner, vera, "--client", "vera", *extra) == _run(runner, vera, *extra)
    stem = tmp_path / "plan.toml"
    shutil.copy(ROOT / "examples" / "iv-six-infusions.toml", stem)
    assert _run(runner, stem, "--client", "PLAN") == _run(runner, stem)
    result = runner.invoke(app, ["plan", str(vera), "--client", "anna"])
    assert result.exit_code == 2
    assert result.stderr == (
        "kapplan: error: --client: no client 'anna' in the caseload; expected one of Vera\n"
    )


def test_client_with_the_library_language_flag() -> None:
    """``--lang`` over the caseload sets the client's plan's language too."""
    (plan,) = plan_files([str(CASELOAD)], client="anna", flags=Flags(lang="ru")).plans
    assert plan.language == "ru"
    assert plan.client == "Anna"
