"""`kapplan diff`: what a calendar re-import does when the clinic moves a date.

The central proof is `TestReimport`: the diff of an old export against a new
schedule names exactly the uids that re-exporting with ``--previous`` writes
with a raised SEQUENCE (moved, changed), as STATUS:CANCELLED (removed) and new
(added), read back by an independent parser.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from kapplan.cli.app import app
from kapplan.diff import Aspect, EventRecord, compare
from kapplan.edge.load import Source, schedule_from_text
from kapplan.edge.load import sniff as source_of
from kapplan.engine import build_plan
from kapplan.errors import UnreadableExport
from kapplan.formats.ics import IcsOptions, parse_previous, render_ics
from kapplan.formats.json import plan_from_json, render_json
from kapplan.formats.records import compare_sides, records_from_calendar, records_from_plan
from kapplan.model.plan import EventKind, Plan
from kapplan.model.rulebook import session_kinds
from kapplan.views.diff import CHANGE_FIELDS, DIFF_FIELDS, EVENT_FIELDS, render_diff_terminal
from tests.cli_runner import CliRunner
from tests.conftest import EXAMPLES, ROOT, default_first, examples
from tests.plans import TEXTS, doses, plan, rulebook

BERLIN = ZoneInfo("Europe/Berlin")
EXAMPLE = "examples/iv-six-infusions.toml"
#: The example with its third infusion moved from Tue 8 to Thu 10 December.
MOVED = "tests/data/iv-six-infusions-moved.toml"


def _record(
    uid: str, start: datetime, minutes: int = 60, title: str = "T", **kw: object
) -> EventRecord:
    """A hand-made record whose parts are its times and title, as a calendar's would be."""
    end = start + timedelta(minutes=minutes)
    parts = {
        Aspect.START: (f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",),
        Aspect.END: (f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",),
        Aspect.TITLE: (f"SUMMARY:{title}",),
    }
    return EventRecord(uid=uid, start=start, end=end, all_day=False, title=title, parts=parts, **kw)  # type: ignore[arg-type]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


class TestCompare:
    """The comparison by uid, on hand-made records."""

    def test_identical(self) -> None:
        """The same events on both sides: nothing to do, all counted unchanged."""
        events = [_record("a", _at("2026-12-01T10:00")), _record("b", _at("2026-12-02T10:00"))]
        diff = compare(events, list(events), BERLIN)
        assert diff.identical
        assert diff.unchanged == 2

    def test_each_group(self) -> None:
        """A moved start, a changed end, a new and a vanished uid each land in their group."""
        old = [
            _record("moved", _at("2026-12-01T10:00")),
            _record("longer", _at("2026-12-02T10:00")),
            _record("gone", _at("2026-12-03T10:00")),
            _record("same", _at("2026-12-04T10:00")),
        ]
        new = [
            _record("moved", _at("2026-12-03T09:30")),
            _record("longer", _at("2026-12-02T10:00"), minutes=90),
            _record("new", _at("2026-12-05T10:00")),
            _record("same", _at("2026-12-04T10:00")),
        ]
        diff = compare(old, new, BERLIN)
        assert [c.uid for c in diff.moved] == ["moved"]
        assert diff.moved[0].shift == timedelta(days=1, hours=23, minutes=30)
        assert diff.moved[0].aspects == (Aspect.START, Aspect.END)
        assert [c.uid for c in diff.changed] == ["longer"]
        assert diff.changed[0].aspects == (Aspect.END,)
        assert [e.uid for e in diff.added] == ["new"]
        assert [e.uid for e in diff.removed] == ["gone"]
        assert diff.unchanged == 1
        assert not diff.identical

    def test_title_only(self) -> None:
        """Same times, another title: changed, and only the title is named."""
        diff = compare(
            [_record("a", _at("2026-12-01T10:00"), title="Old")],
            [_record("a", _at("2026-12-01T10:00"), title="New")],
            BERLIN,
        )
        assert (diff.changed[0].aspects, diff.moved) == ((Aspect.TITLE,), ())

    def test_shift_is_on_the_wall_clock(self) -> None:
        """A move across the end of DST (Sat 10:00 CEST to Mon 10:00 CET) is +2 d, not +2 d 1 h."""
        diff = compare(
            [_record("a", _at("2026-10-24T10:00"))], [_record("a", _at("2026-10-26T10:00"))], BERLIN
        )
        assert diff.moved[0].shift == timedelta(days=2)

    def test_cancelled_events(self) -> None:
        """An event the old export had cancelled is absent: back in the plan it is added,
        still gone it is neither removed again nor counted."""
        old = [
            _record("back", _at("2026-12-01T10:00"), cancelled=True),
            _record("still-gone", _at("2026-12-02T10:00"), cancelled=True),
        ]
        diff = compare(old, [_record("back", _at("2026-12-01T10:00"))], BERLIN)
        assert [e.uid for e in diff.added] == ["back"]
        assert (diff.removed, diff.unchanged) == ((), 0)

    def test_groups_sorted_by_time(self) -> None:
        """Each group is in time order, whatever the input order."""
        new = [_record(f"u{n}", _at(f"2026-12-{day:02}T10:00")) for n, day in enumerate((9, 3, 6))]
        diff = compare([], new, BERLIN)
        assert [e.start.day for e in diff.added] == [3, 6, 9]

    def test_duplicate_uid_refused(self) -> None:
        """Two events with one uid on a side are a bug, not a diff."""
        twice = [_record("a", _at("2026-12-01T10:00")), _record("a", _at("2026-12-02T10:00"))]
        with pytest.raises(ValueError, match="appears twice"):
            compare(twice, [], BERLIN)


@pytest.mark.parametrize(
    ("path", "text", "source"),
    [
        ("old.ics", "", Source.CALENDAR),
        ("old.JSON", "", Source.JSON),
        ("new.toml", "{", Source.SCHEDULE),
        ("-", "\ufeff  BEGIN:VCALENDAR\r\n", Source.CALENDAR),
        ("-", '{"events": []}', Source.JSON),
        ("-", 'timezone = "UTC"', Source.SCHEDULE),
        ("plan.txt", "begin:vcalendar\n", Source.CALENDAR),
    ],
)
def test_source_by_suffix_then_content(path: str, text: str, source: Source) -> None:
    """The suffix decides; stdin and other names are told by their first characters."""
    assert source_of(path, text.lstrip("\ufeff")) is source


def _example_plan(path: str = EXAMPLE, lang: str = "en") -> Plan:
    """Plan a schedule file of the repository, in a language."""
    text = (ROOT / path).read_text(encoding="utf-8")
    return build_plan(
        schedule_from_text(f'language = "{lang}"\n{text}', path), rulebook(), texts=TEXTS
    )


OPTIONS = [
    IcsOptions(),
    IcsOptions(discreet=True),
    IcsOptions(reminders=()),
    IcsOptions(reminders=(timedelta(minutes=15),)),
]


class TestReaders:
    """Each kind of input gives the records the plan itself gives: no phantom changes."""

    @pytest.mark.parametrize("options", OPTIONS, ids=["plain", "discreet", "silent", "15m"])
    @pytest.mark.parametrize("lang", ["en", "ru"])
    def test_ics_export_reads_back_unchanged(self, options: IcsOptions, lang: str) -> None:
        """An .ics export diffed against its own plan, same options: nothing changes."""
        plan = _example_plan(lang=lang)
        calendar = parse_previous(render_ics(plan, options), "plan.ics")
        diff = compare_sides(calendar, plan, options, BERLIN)
        assert diff.identical
        assert diff.unchanged == len(plan.events)

    @pytest.mark.parametrize("options", OPTIONS, ids=["plain", "discreet", "silent", "15m"])
    @pytest.mark.parametrize("lang", ["en", "ru"])
    def test_json_export_reads_back_unchanged(self, options: IcsOptions, lang: str) -> None:
        """A JSON export read back has the very calendar lines of the plan it came from."""
        plan = _example_plan(lang=lang)
        again = plan_from_json(
            render_json(plan), "plan.json", language=lang, session_kinds=session_kinds(rulebook())
        )
        assert records_from_plan(again, options, BERLIN) == records_from_plan(plan, options, BERLIN)

    def test_other_options_change_every_event(self) -> None:
        """Diffed without the export's --discreet, every event's texts differ (and only those)."""
        plan = _example_plan()
        calendar = parse_previous(render_ics(plan, IcsOptions(discreet=True)), "plan.ics")
        diff = compare_sides(calendar, plan, IcsOptions(), BERLIN)
        assert len(diff.changed) == len(plan.events)
        assert {a for c in diff.changed for a in c.aspects} <= {
            Aspect.TITLE,
            Aspect.DESCRIPTION,
            Aspect.CATEGORY,
            Aspect.REMINDERS,
        }

    def test_calendar_all_day_dates(self) -> None:
        """An all-day event read from a calendar keeps its dates, at midnight in the diff's zone."""
        plan = _example_plan()
        records = records_from_calendar(parse_previous(render_ics(plan, IcsOptions()), "p"), BERLIN)
        advisory = next(r for r in records if r.all_day)
        event = next(e for e in plan.events if e.uid == advisory.uid)
        assert (advisory.start, advisory.end) == (event.start, event.end)
        assert advisory.kind is None

    def test_json_sessions_carry_reminders(self) -> None:
        """Session kinds come from the rulebook: they (and doses) have reminders, practices not."""
        kinds = session_kinds(rulebook())
        assert EventKind.INTEGRATION_SESSION in kinds
        assert EventKind.LONG_ARC_SESSION in kinds
        assert EventKind.JOURNALING not in kinds
        assert EventKind.INFUSION not in kinds


BAD_JSON = {
    "garbage": (
        '{"events": [\n  oops\n]}',
        "old.json:2: not valid JSON: Expecting value; expected "
        "a kapplan JSON export (kapplan plan --format json)",
    ),
    "not an export": (
        '{"plan": []}',
        "old.json: no events list; expected a kapplan JSON export (kapplan plan --format json)",
    ),
    "bad zone": (
        '{"timezone": "Mars/Base", "events": []}',
        "old.json: timezone: got 'Mars/Base'; expected an IANA zone name such as Europe/Berlin",
    ),
    "caseload": (
        '{"timezone": "UTC", "clients": [{}, {}], "events": []}',
        "old.json: clients: the export of a caseload (2 clients); expected one schedule's export: "
        "kapplan diff compares one client's plan",
    ),
    "missing field": (
        '{"timezone": "UTC", "events": [{"uid": "x"}]}',
        "old.json: events[1].kind: missing; every event of a kapplan export has it",
    ),
}


@pytest.mark.parametrize(("text", "message"), BAD_JSON.values(), ids=BAD_JSON.keys())
def test_bad_json_export(text: str, message: str) -> None:
    """A JSON file that is not a kapplan export names the file, line or field, and the fault."""
    with pytest.raises(UnreadableExport) as caught:
        plan_from_json(text, "old.json", language="en", session_kinds=())
    assert str(caught.value) == message


def test_json_event_fields_checked() -> None:
    """A garbled event field (wrong type, unknown kind, time without offset) is named."""
    plan = _example_plan()
    data = json.loads(render_json(plan))
    for field, value, says in (
        ("all_day", "yes", "events[2].all_day: got 'yes'; expected bool"),
        ("infusion", True, "events[2].infusion: got True; expected int or null"),
        ("kind", "nap", "events[2].kind: unknown kind 'nap'; expected one of"),
        (
            "start",
            "2026-12-01T10:00",
            "events[2].start: '2026-12-01T10:00' is not a time with an offset",
        ),
    ):
        broken = json.loads(json.dumps(data))
        broken["events"][1][field] = value
        with pytest.raises(UnreadableExport, match=re.escape(says)):
            plan_from_json(json.dumps(broken), "old.json", language="en", session_kinds=())


# -- a re-import does what the diff says ----------------------------------------


def _reimport(old_ics: str, new: Plan, options: IcsOptions) -> dict[str, tuple[int, str]]:
    """Export `new` over `old_ics`; read every event's SEQUENCE and STATUS with icalendar."""
    text = render_ics(new, replace(options, previous=parse_previous(old_ics, "old.ics")))
    calendar = icalendar.Calendar.from_ical(text)
    return {
        str(e["UID"]): (int(e["SEQUENCE"]), str(e.get("STATUS", "CONFIRMED")))
        for e in calendar.walk("VEVENT")
    }


def _assert_diff_is_reimport(old_ics: str, new: Plan, options: IcsOptions) -> None:
    before = {
        str(e["UID"]): (int(e["SEQUENCE"]), str(e.get("STATUS", "CONFIRMED")))
        for e in icalendar.Calendar.from_ical(old_ics).walk("VEVENT")
    }
    after = _reimport(old_ics, new, options)
    diff = compare_sides(parse_previous(old_ics, "old.ics"), new, options, BERLIN)
    bumped = {uid for uid, (seq, _) in after.items() if uid in before and seq > before[uid][0]}
    cancelled_now = {uid for uid, (_, status) in after.items() if status == "CANCELLED"}
    live_before = {uid for uid, (_, status) in before.items() if status != "CANCELLED"}
    restored = {uid for uid in bumped if uid not in live_before and after[uid][1] != "CANCELLED"}
    fresh = {uid for uid in after if uid not in before}
    moved_or_changed = {c.uid for c in (*diff.moved, *diff.changed)}
    removed = {e.uid for e in diff.removed}
    # Updated in place: exactly the moved and changed events.
    assert bumped - restored - removed == moved_or_changed
    # Cancelled by this import: exactly the removed events.
    assert (cancelled_now & live_before) == removed
    assert removed <= bumped
    # Appearing: new uids, or uids the old export had cancelled and the plan has again.
    assert fresh | restored == {e.uid for e in diff.added}
    # Left alone: the unchanged count.
    untouched = {u for u in after if u in live_before and after[u] == before[u]}
    assert len(untouched) == diff.unchanged


class TestReimport:
    """The diff is exactly what a calendar re-import does."""

    @pytest.mark.parametrize(
        "options", default_first(OPTIONS), ids=["plain", "discreet", "silent", "15m"]
    )
    def test_moved_infusion(self, options: IcsOptions) -> None:
        """Moving infusion 3 by two days, then back (restoring cancelled events)."""
        old, new = _example_plan(), _example_plan(MOVED)
        first = render_ics(old, options)
        _assert_diff_is_reimport(first, new, options)
        second = render_ics(new, replace(options, previous=parse_previous(first, "old.ics")))
        _assert_diff_is_reimport(second, old, options)
        back = compare_sides(parse_previous(second, "p"), old, options, BERLIN)
        assert back.added, "moving the dose back restores the cancelled events"

    def test_through_the_command_line(self, runner: CliRunner, tmp_path: Path) -> None:
        """As a user runs it: export, diff against the new schedule, re-export with --previous."""
        old_ics = tmp_path / "old.ics"
        assert runner.invoke(app, ["plan", str(ROOT / EXAMPLE), "-o", str(old_ics)]).exit_code == 0
        result = runner.invoke(app, ["diff", str(old_ics), str(ROOT / MOVED), "-f", "json"])
        assert result.exit_code == 0, result.stderr
        diff = json.loads(result.stdout)
        new_ics = tmp_path / "new.ics"
        args = ["plan", str(ROOT / MOVED), "-o", str(new_ics), "--previous", str(old_ics)]
        assert runner.invoke(app, args).exit_code == 0
        events = icalendar.Calendar.from_ical(new_ics.read_bytes()).walk("VEVENT")
        sequence = {str(e["UID"]): int(e["SEQUENCE"]) for e in events}
        cancelled = {str(e["UID"]) for e in events if str(e["STATUS"]) == "CANCELLED"}
        old_uids = set(re.findall(r"^UID:(\S+)$", old_ics.read_text("utf-8"), re.MULTILINE))
        assert {u for u, s in sequence.items() if s == 1} - cancelled == {
            e["uid"] for e in diff["moved"] + diff["changed"]
        }
        assert cancelled == {e["uid"] for e in diff["removed"]}
        assert set(sequence) - old_uids == {e["uid"] for e in diff["added"]}
        assert all(diff[group] for group in ("moved", "removed", "changed"))

    @examples(quick=6, full=20)
    def test_any_moved_dose(self, runs: int) -> None:
        """Whatever dose moves, by whatever hours: diff and re-import agree, both ways."""

        @settings(max_examples=runs, deadline=None)
        @given(
            gaps=st.lists(st.integers(min_value=20, max_value=24 * 9), min_size=2, max_size=5),
            which=st.integers(min_value=0, max_value=4),
            hours=st.integers(min_value=-96, max_value=96).filter(bool),
        )
        def check(gaps: list[int], which: int, hours: int) -> None:
            any_moved_dose(gaps, which, hours)

        check()


def any_moved_dose(gaps: list[int], which: int, hours: int) -> None:
    """Move one dose of doses `gaps` hours apart: diff and re-import agree, both ways."""
    start = datetime(2026, 11, 2, 10, 0)
    ats = [start + timedelta(hours=sum(gaps[:n])) for n in range(len(gaps))]
    moved = list(ats)
    moved[which % len(ats)] += timedelta(hours=hours)
    if len(set(moved)) < len(moved):
        return
    old = plan(doses(*(a.isoformat() for a in ats)))
    new = plan(doses(*(a.isoformat() for a in moved)))
    first = render_ics(old, IcsOptions())
    _assert_diff_is_reimport(first, new, IcsOptions())
    second = render_ics(new, IcsOptions(previous=parse_previous(first, "old.ics")))
    _assert_diff_is_reimport(second, old, IcsOptions())


# -- the command ------------------------------------------------------------------


@pytest.fixture(name="at_root")
def fixture_at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root, so inputs are named as in the goldens."""
    monkeypatch.chdir(ROOT)


@pytest.mark.usefixtures("at_root")
class TestCommand:
    """`kapplan diff` as a user runs it."""

    def test_terminal_golden(self, runner: CliRunner, golden: Callable[[str, bytes], None]) -> None:
        """The terminal view of a moved infusion matches tests/golden/diff-iv-six-infusions.txt."""
        result = runner.invoke(app, ["diff", EXAMPLE, MOVED])
        assert result.exit_code == 0, result.stderr
        assert "\x1b[" not in result.stdout
        golden("diff-iv-six-infusions.txt", result.stdout.encode())

    def test_json_golden(self, runner: CliRunner, golden: Callable[[str, bytes], None]) -> None:
        """The JSON diff matches tests/golden/diff-iv-six-infusions.json, in the published order."""
        result = runner.invoke(app, ["diff", EXAMPLE, MOVED, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert tuple(data) == DIFF_FIELDS
        for group in ("added", "removed"):
            assert all(tuple(e) == EVENT_FIELDS for e in data[group])
        for group in ("moved", "changed"):
            assert all(tuple(e) == CHANGE_FIELDS for e in data[group])
        golden("diff-iv-six-infusions.json", result.stdout.encode())

    def test_one_line_per_event(self, runner: CliRunner) -> None:
        """Every changed uid is on exactly one line, with the summary counting them all."""
        data = json.loads(runner.invoke(app, ["diff", EXAMPLE, MOVED, "-f", "json"]).stdout)
        text = runner.invoke(app, ["diff", EXAMPLE, MOVED]).stdout
        for group in ("moved", "added", "removed", "changed"):
            for event in data[group]:
                assert sum(event["uid"] in line for line in text.splitlines()) == 1
        counts = [len(data[g]) for g in ("moved", "added", "removed", "changed")]
        summary = "{} moved · {} added · {} removed · {} changed · {} unchanged"
        assert text.splitlines()[-1] == summary.format(*counts, data["unchanged"])

    def test_reverse_adds_what_was_removed(self, runner: CliRunner) -> None:
        """Diffing the other way round turns removed into added and keeps the moves."""
        forth = json.loads(runner.invoke(app, ["diff", EXAMPLE, MOVED, "-f", "json"]).stdout)
        back = json.loads(runner.invoke(app, ["diff", MOVED, EXAMPLE, "-f", "json"]).stdout)
        assert {e["uid"] for e in back["added"]} == {e["uid"] for e in forth["removed"]}
        assert {e["uid"] for e in back["removed"]} == {e["uid"] for e in forth["added"]}
        assert [e["shift_minutes"] for e in back["moved"]] != []
        assert back["unchanged"] == forth["unchanged"]

    @pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
    @pytest.mark.parametrize("form", ["json", "ics"])
    def test_identical_inputs(
        self, runner: CliRunner, tmp_path: Path, example: Path, form: str
    ) -> None:
        """A schedule against its own export (JSON or .ics): no changes, exit 0 even with
        --exit-code."""
        export = tmp_path / f"plan.{form}"
        assert runner.invoke(app, ["plan", str(example), "-o", str(export)]).exit_code == 0
        result = runner.invoke(app, ["diff", str(export), str(example), "--exit-code"])
        assert result.exit_code == 0, result.stderr
        assert "No changes" in result.stdout
        assert result.stdout.splitlines()[-1].startswith(
            "0 moved · 0 added · 0 removed · 0 changed"
        )

    def test_against_json_and_ics_exports(self, runner: CliRunner, tmp_path: Path) -> None:
        """The old schedule, its JSON export and its .ics export give the same diff."""
        for form in ("json", "ics"):
            assert (
                runner.invoke(app, ["plan", EXAMPLE, "-o", str(tmp_path / f"old.{form}")]).exit_code
                == 0
            )
        results = [
            json.loads(runner.invoke(app, ["diff", old, MOVED, "-f", "json"]).stdout)
            for old in (EXAMPLE, str(tmp_path / "old.json"), str(tmp_path / "old.ics"))
        ]
        from_schedule, from_json, from_ics = results
        assert from_json == from_schedule
        # A calendar knows no kinds and only its own (SUMMARY) titles; the uids and times agree.
        for group in ("moved", "added", "removed", "changed"):
            keys = ("uid", "start", "end", "old_start", "old_end", "changes")
            strip = [{k: e.get(k) for k in keys} for e in from_ics[group]]
            assert strip == [{k: e.get(k) for k in keys} for e in from_schedule[group]]

    def test_discreet_export(self, runner: CliRunner, tmp_path: Path) -> None:
        """Against a --discreet export, the diff compares discreet texts, as a re-export
        over it writes them (with or without --discreet); --no-discreet compares titles."""
        old = tmp_path / "old.ics"
        runner.invoke(app, ["plan", EXAMPLE, "-o", str(old), "--discreet"])
        for flags in (["--discreet"], []):
            same = runner.invoke(app, ["diff", str(old), EXAMPLE, *flags, "--exit-code"])
            assert same.exit_code == 0
        plain = runner.invoke(
            app, ["diff", str(old), EXAMPLE, "-f", "json", "--no-discreet", "--exit-code"]
        )
        assert plain.exit_code == 1
        data = json.loads(plain.stdout)
        assert (data["moved"], data["added"], data["removed"], data["unchanged"]) == ([], [], [], 0)
        assert {"title", "description", "category"} <= set(data["changed"][0]["changes"])

    def test_exit_code(self, runner: CliRunner) -> None:
        """Differences exit 0, or 1 with --exit-code (as git diff --exit-code)."""
        assert runner.invoke(app, ["diff", EXAMPLE, MOVED]).exit_code == 0
        assert runner.invoke(app, ["diff", EXAMPLE, MOVED, "--exit-code"]).exit_code == 1

    def test_stdin(self, runner: CliRunner) -> None:
        """Either side may be stdin, named <stdin>."""
        text = (ROOT / EXAMPLE).read_text(encoding="utf-8")
        result = runner.invoke(app, ["diff", "-", MOVED], input=text)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"Changes from <stdin> to {MOVED}")

    def test_russian(self, runner: CliRunner) -> None:
        """--lang ru: labels, dates and the plan's titles in Russian; Latin only in uids,
        file names and the zone."""
        result = runner.invoke(app, ["diff", EXAMPLE, MOVED, "--lang", "ru"])
        assert result.exit_code == 0
        rest = re.sub(r"[0-9a-f]{24}@kapplan|\S+\.toml|Europe/Berlin", "", result.stdout)
        assert re.findall(r"[A-Za-z]{2,}", rest) == []
        assert "Перенесено (" in result.stdout

    def test_colour_only_styles(self) -> None:
        """With colour, the headings are styled; without the codes the text is the same."""
        old, new = _example_plan(), _example_plan(MOVED)
        diff = compare_sides(old, new, IcsOptions(), BERLIN)
        args = {"timezone": "Europe/Berlin", "old": "a", "new": "b"}
        plain = render_diff_terminal(diff, **args)
        coloured = render_diff_terminal(diff, **args, color=True)
        assert "\x1b[" in coloured
        assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain

    def test_help(self, runner: CliRunner) -> None:
        """--help shows examples."""
        result = runner.invoke(app, ["diff", "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.stdout
        assert "kapplan diff plan.ics infusions.toml" in result.stdout


NOT_KAPPLAN = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
    "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        (
            "old.ics",
            NOT_KAPPLAN,
            [],
            "old.ics:3: PRODID '-//Google Inc//Google Calendar 70.9054//EN' is not kapplan's; "
            "give the .ics file kapplan wrote",
        ),
        (
            "old.ics",
            "hello\n",
            [],
            "old.ics:1: not an iCalendar file (expected BEGIN:VCALENDAR on the first line)",
        ),
        (
            "old.json",
            "{not json",
            [],
            "old.json:1: not valid JSON: Expecting property name enclosed in double quotes; "
            "expected a kapplan JSON export (kapplan plan --format json)",
        ),
        (
            "old.json",
            "[]",
            [],
            "old.json: no events list; expected a kapplan JSON export (kapplan plan --format json)",
        ),
        ("old.toml", "timezone = \n", [], "old.toml:1: not valid TOML: Invalid value"),
        (
            "old.toml",
            'timezone = "UTC"\n',
            ["--remind", "1h", "--no-remind"],
            "--remind and --no-remind contradict each other; expected one of them",
        ),
    ],
    ids=[
        "not kapplan ics",
        "not ics",
        "garbage json",
        "not an export",
        "bad toml",
        "contradiction",
    ],
)
def test_bad_old_file(
    runner: CliRunner, tmp_path: Path, name: str, content: str, args: list[str], message: str
) -> None:
    """A bad OLD input is one stderr line naming the file and what was expected; exit 2."""
    old = tmp_path / name
    old.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["diff", str(old), str(ROOT / MOVED), *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.replace(str(tmp_path) + "/", "") == f"kapplan: error: {message}\n"


def test_missing_file_and_stdin_twice(runner: CliRunner) -> None:
    """A missing file, or stdin named twice, is a one-line error with exit 2."""
    missing = runner.invoke(app, ["diff", "nope.ics", str(ROOT / MOVED)])
    assert (missing.exit_code, missing.stderr) == (
        2,
        "kapplan: error: nope.ics: no such file; expected a path to a schedule (.toml), or a "
        "kapplan .ics or JSON export, or - for stdin\n",
    )
    twice = runner.invoke(app, ["diff", "-", "-"], input="")
    assert twice.exit_code == 2
    assert twice.stderr == "kapplan: error: stdin (-) is named twice; expected it once at most\n"


PROBE = """
import sys
import kapplan.cli.app
sys.argv = ["kapplan", "diff", *sys.argv[1:], "--format", "json"]
try:
    kapplan.cli.app.main()
except SystemExit:
    pass
loaded = sum(m == "rich" or m.startswith("rich.") for m in sys.modules)
print("rich modules:", loaded, file=sys.stderr)
"""


def test_json_diff_never_imports_rich() -> None:
    """`kapplan diff --format json` runs as a process without loading Rich."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / EXAMPLE), str(ROOT / MOVED)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert json.loads(result.stdout)["timezone"] == "Europe/Berlin"
    assert result.stderr.strip().splitlines()[-1] == "rich modules: 0"


def test_terminal_range_across_a_clock_change_names_both_clocks() -> None:
    """An added event that the autumn change runs through (two hours from 00:30 BST)
    shows both clocks, so its range does not read as one hour."""
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # in UTC: _record adds real time
    diff = compare([], [_record("a@kapplan", start, minutes=120, title="Dose")], london)
    text = render_diff_terminal(diff, timezone="Europe/London", old="a", new="b")
    assert "Sun 25 Oct 2026 00:30 BST–01:30 GMT  a@kapplan  Dose" in text
