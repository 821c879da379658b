"""Tests for kapplan.formats.ics: the iCalendar export and reading an earlier one."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from kapplan.cli.options import FLAGS, calendar_flags
from kapplan.errors import InvalidOption, KapplanError, UnreadableCalendar
from kapplan.formats.ics import (
    DISCREET_WORDS,
    OWNED_MARKER,
    PRODID,
    IcsOptions,
    iter_ics,
    parse_previous,
    parse_stamp,
    render_ics,
)
from kapplan.model.plan import EventKind, Plan
from kapplan.model.reminders import DEFAULT_REMINDERS, parse_reminder
from tests.ics_fixtures import (
    BERLIN,
    READERS,
    berlin,
    dst_plan,
    event,
    expected,
    move_dose,
    read_icalendar,
    read_vobject,
)

CRLF = "\r\n"


def unfolded(text: str) -> list[str]:
    """Return the logical content lines of a calendar."""
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def vevents(text: str) -> dict[str, str]:
    """Return each VEVENT's raw text by UID."""
    out = {}
    for block in re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.DOTALL):
        uid = re.search(r"^UID:(.*)$", block.replace("\r\n ", ""), re.MULTILINE)
        assert uid is not None
        out[uid.group(1).rstrip("\r")] = block
    return out


def prop(block: str, name: str) -> str:
    """Return the value of a VEVENT property (first occurrence)."""
    found = re.search(rf"^{name}[:;](.*?)\r$", block.replace("\r\n ", ""), re.MULTILINE)
    assert found is not None, f"no {name} in {block}"
    return found.group(1)


@pytest.fixture(name="plan")
def fixture_plan() -> Plan:
    """Return a plan whose doses and events straddle both DST changes of 2026/27."""
    return dst_plan()


@pytest.fixture(name="text")
def fixture_text(plan: Plan) -> str:
    """Return the default export of the DST plan."""
    return render_ics(plan, IcsOptions())


class TestDocument:
    """The calendar object follows RFC 5545 and the notes in ICS-NOTES.md."""

    def test_header_and_footer(self, text: str) -> None:
        """The calendar opens with VERSION, PRODID, CALSCALE, METHOD:PUBLISH and a name."""
        lines = unfolded(text)
        assert lines[:7] == [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Integration plan",
            "NAME:Integration plan",
        ]
        assert lines[-1] == "END:VCALENDAR"
        assert text.encode().startswith(OWNED_MARKER)

    def test_client_names_the_calendar(self) -> None:
        """The client label goes into the calendar name, escaped."""
        text = render_ics(dst_plan(client="A, B"), IcsOptions())
        assert "X-WR-CALNAME:Integration plan: A\\, B\r\n" in text

    def test_crlf_everywhere(self, text: str) -> None:
        """Every line ends in CRLF: no bare LF or CR anywhere."""
        assert text.endswith(CRLF)
        assert "\n" not in text.replace(CRLF, "")
        assert "\r" not in text.replace(CRLF, "")

    def test_every_event_has_the_required_properties(self, plan: Plan, text: str) -> None:
        """Each VEVENT has UID, DTSTAMP, SEQUENCE, DTSTART, DTEND, SUMMARY, DESCRIPTION,
        CATEGORIES, TRANSP, CLASS and STATUS, each exactly once."""
        blocks = vevents(text)
        assert list(blocks) == [e.uid for e in plan.events]
        names = ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION")
        names += ("CATEGORIES", "TRANSP", "CLASS", "STATUS")
        for block in blocks.values():
            event_part = re.sub(r"BEGIN:VALARM.*?END:VALARM\r\n", "", block, flags=re.DOTALL)
            for name in names:
                assert len(re.findall(rf"^{name}[:;]", event_part, re.MULTILINE)) == 1, name

    def test_times_are_utc_or_dates(self, text: str) -> None:
        """Timed events are UTC (no floating time, no TZID needing a VTIMEZONE)."""
        assert "TZID" not in text
        assert "VTIMEZONE" not in text
        assert "X-WR-TIMEZONE" not in text
        for line in unfolded(text):
            if line.startswith(("DTSTART", "DTEND", "DTSTAMP")):
                assert re.fullmatch(r"\w+(:\d{8}T\d{6}Z|;VALUE=DATE:\d{8})", line), line

    def test_transp_and_categories_fit_the_event(self, plan: Plan, text: str) -> None:
        """Advisories are transparent, timed events opaque; CATEGORIES is the phase."""
        blocks = vevents(text)
        for e in plan.events:
            block = blocks[e.uid]
            assert prop(block, "TRANSP") == ("TRANSPARENT" if e.all_day else "OPAQUE")
            assert prop(block, "CATEGORIES") == e.phase.value.capitalize()
            assert prop(block, "CLASS") == "PRIVATE"

    def test_streams_in_pieces(self, plan: Plan, text: str) -> None:
        """iter_ics yields the header, one piece per event and the end; joined it is render_ics."""
        pieces = list(iter_ics(plan, IcsOptions()))
        assert len(pieces) == len(plan.events) + 2
        assert "".join(pieces) == text

    def test_empty_plan(self) -> None:
        """A plan without events is still a valid calendar."""
        empty = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=())
        text = render_ics(empty, IcsOptions())
        assert read_icalendar(text) == []
        assert read_vobject(text) == []

    def test_duplicate_uids_are_refused(self, plan: Plan) -> None:
        """Two events with one uid would merge in calendar apps; the renderer refuses."""
        twice = replace(plan, events=(*plan.events, plan.events[0]))
        with pytest.raises(ValueError, match="share a uid"):
            render_ics(twice, IcsOptions())

    def test_imports_no_parser_or_rich(self) -> None:
        """The export needs no icalendar, vobject or Rich at run time."""
        code = (
            "import sys, kapplan.formats.ics;"
            "print(sorted(m for m in ('icalendar', 'vobject', 'rich') if m in sys.modules))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "[]"

    def test_thousands_of_events_render(self) -> None:
        """Five thousand events with two alarms each all render (speed: see benchmarks/)."""
        start = berlin(2026, 1, 1, 9)
        events = tuple(
            event(f"e{i}@kapplan", EventKind.INTEGRATION_SESSION, start + timedelta(hours=3 * i),
                  60,
                  title=f"Integration session {i} — интеграция",
                  description="Talk it through; notes, prompts, and more.\n" * 8)
            for i in range(5000)
        )  # fmt: skip
        plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=events)
        text = render_ics(plan, IcsOptions())
        assert text.count("BEGIN:VEVENT") == 5000
        assert text.count("BEGIN:VALARM") == 10000


class TestParsers:
    """Independent parsers read the plan's events, instants, uids and alarms."""

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_reads_the_plan(self, reader: str, plan: Plan, text: str) -> None:
        """Each parser reads exactly the plan's events (DST on both sides included)."""
        assert READERS[reader](text) == expected(plan)

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_reads_the_same_instants_across_dst(self, reader: str, text: str) -> None:
        """The same local clock time maps to different UTC instants on either side of DST."""
        seen = {s.uid: s for s in READERS[reader](text)}
        assert seen["appt1@kapplan"].start == datetime(2026, 10, 22, 8, tzinfo=UTC)  # CEST
        assert seen["appt3@kapplan"].start == datetime(2026, 10, 26, 9, tzinfo=UTC)  # CET
        assert seen["appt4@kapplan"].start == datetime(2027, 3, 26, 9, tzinfo=UTC)  # CET
        assert seen["appt5@kapplan"].start == datetime(2027, 3, 30, 8, tzinfo=UTC)  # CEST
        # The repeated 02:30 of 25 Oct 2026: two instants an hour apart.
        assert seen["early@kapplan"].start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
        assert seen["late@kapplan"].start == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
        # A session 24 h after a CEST dose lands at 09:00 CET: 24 h later, not 25.
        assert seen["session2@kapplan"].start == datetime(2026, 10, 25, 8, tzinfo=UTC)

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_all_day_events_are_dates_with_exclusive_end(self, reader: str, text: str) -> None:
        """Advisories are VALUE=DATE events whose DTEND is the day after the last day."""
        seen = {s.uid: s for s in READERS[reader](text)}
        advisory = seen["advisory4@kapplan"]  # 26-27 Mar 2027, over the DST change
        assert (advisory.start, advisory.end) == (date(2027, 3, 26), date(2027, 3, 28))
        assert (
            "DTSTART;VALUE=DATE:20270326\r\nDTEND;VALUE=DATE:20270328\r\n"
            in vevents(text)["advisory4@kapplan"]
        )

    def test_one_day_advisory_ends_next_day(self) -> None:
        """A one-day advisory on the 5th ends on the 6th, never on the 5th."""
        one = event("a@kapplan", EventKind.ADVISORY, berlin(2026, 11, 5), days=1)
        plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=(one,))
        text = render_ics(plan, IcsOptions())
        assert "DTSTART;VALUE=DATE:20261105\r\nDTEND;VALUE=DATE:20261106\r\n" in text


class TestReminders:
    """VALARMs before sessions and doses, with settable lead times."""

    def test_defaults_are_a_day_and_an_hour(self, plan: Plan, text: str) -> None:
        """Doses and sessions get two display alarms; practices and advisories none."""
        assert (timedelta(days=1), timedelta(hours=1)) == DEFAULT_REMINDERS
        blocks = vevents(text)
        for e in plan.events:
            block = blocks[e.uid]
            if e.is_session or e.kind is EventKind.INFUSION:
                assert re.findall(r"TRIGGER:(.*)\r", block) == ["-P1D", "-PT1H"]
                assert block.count("ACTION:DISPLAY") == 2
            else:
                assert "VALARM" not in block

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_custom_lead_times(self, reader: str, plan: Plan) -> None:
        """Lead times are written longest first, deduplicated, and parsers read them back."""
        leads = (timedelta(minutes=15), timedelta(weeks=1), timedelta(days=1, minutes=30))
        options = IcsOptions(reminders=(*leads, timedelta(minutes=15)))
        text = render_ics(plan, options)
        dose = {s.uid: s for s in READERS[reader](text)}["appt1@kapplan"]
        assert dose.alarms == (
            (-timedelta(weeks=1), "Infusion 1 (IV ketamine)"),
            (-timedelta(days=1, minutes=30), "Infusion 1 (IV ketamine)"),
            (-timedelta(minutes=15), "Infusion 1 (IV ketamine)"),
        )
        assert re.findall(r"TRIGGER:(.*)\r", vevents(text)["appt1@kapplan"]) == [
            "-P1W",
            "-P1DT30M",
            "-PT15M",
        ]

    def test_no_reminders(self, plan: Plan) -> None:
        """An empty tuple (--no-remind) writes no VALARM at all."""
        assert "VALARM" not in render_ics(plan, IcsOptions(reminders=()))

    def test_zero_lead_fires_at_start(self, plan: Plan) -> None:
        """A zero lead time is a trigger at the start."""
        text = render_ics(plan, IcsOptions(reminders=(timedelta(0),)))
        assert "TRIGGER:PT0S\r\n" in text

    def test_negative_lead_is_refused(self) -> None:
        """A reminder after the start is not a lead time."""
        with pytest.raises(InvalidOption, match="negative"):
            IcsOptions(reminders=(timedelta(minutes=-5),))

    @pytest.mark.parametrize(
        ("text", "lead"),
        [
            ("15m", timedelta(minutes=15)),
            ("60m", timedelta(hours=1)),
            ("90 min", timedelta(minutes=90)),
            ("2h", timedelta(hours=2)),
            ("1d", timedelta(days=1)),
            ("1w", timedelta(weeks=1)),
            ("1h30m", timedelta(minutes=90)),
            (" 1D ", timedelta(days=1)),
            ("0m", timedelta(0)),
            ("4w", timedelta(weeks=4)),
        ],
    )
    def test_parse_reminder(self, text: str, lead: timedelta) -> None:
        """Lead times are whole numbers with w, d, h, m or min units."""
        assert parse_reminder(text) == lead

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "15",
            "m",
            "-5m",
            "1x",
            "1.5h",
            "5w",
            "29d",
            "99999999999999999999w",
            "1hm",
            "9" * 5000 + "m",
        ],
    )
    def test_parse_reminder_rejects(self, text: str) -> None:
        """Anything else is a one-line user error naming the option and the value."""
        with pytest.raises(ValueError, match=re.escape(repr(text[:50])[:-1])):
            parse_reminder(text)
        # The command line checks each --remind as it reads it, and names its flag.
        with pytest.raises(InvalidOption) as caught:
            calendar_flags(None, [text])
        message = str(caught.value.renamed(FLAGS))
        assert isinstance(caught.value, KapplanError)
        assert message.startswith("--remind: ")
        assert repr(text[:50])[:-1] in message
        assert len(message) < 200
        assert "\n" not in message


class TestEscaping:
    """No text from the schedule can add or change a property."""

    INJECTION = "Session\r\nDTSTART:19700101T000000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil"

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_newlines_cannot_inject_properties(self, reader: str) -> None:
        """A title or description with line breaks and property text stays one TEXT value."""
        evil = event(
            "x@kapplan",
            EventKind.INTEGRATION_SESSION,
            berlin(2026, 10, 27, 10),
            title=self.INJECTION,
            description="a;b,c\\d\n" + self.INJECTION,
        )
        plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=(evil,))
        text = render_ics(plan, IcsOptions())
        starts = [line for line in unfolded(text) if line.startswith("DTSTART")]
        assert starts == ["DTSTART:20261027T090000Z"]
        assert unfolded(text).count("BEGIN:VEVENT") == 1
        (seen,) = READERS[reader](text)
        assert seen.uid == "x@kapplan"
        assert seen.summary == self.INJECTION.replace("\r\n", "\n")
        assert seen.description == "a;b,c\\d\n" + self.INJECTION.replace("\r\n", "\n")

    def test_specials_are_escaped(self) -> None:
        """Backslash, semicolon, comma and newline are escaped as RFC 5545 3.3.11 says."""
        e = event("x@kapplan", EventKind.JOURNALING, berlin(2026, 10, 27, 10), title="a\\b;c,d\ne")
        plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=(e,))
        assert "SUMMARY:a\\\\b\\;c\\,d\\ne\r\n" in render_ics(plan, IcsOptions())

    def test_control_characters_are_dropped_and_line_separators_become_newlines(self) -> None:
        """TEXT allows no control characters; characters read as line breaks become \\n."""
        e = event(
            "x@kapplan",
            EventKind.JOURNALING,
            berlin(2026, 10, 27, 10),
            title="a\x00b\x1bc\u2028d\x85e\tf",
        )
        plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=(e,))
        text = render_ics(plan, IcsOptions())
        assert "SUMMARY:abc\\nd\\ne\tf\r\n" in text
        assert read_icalendar(text)[0].summary == "abc\nd\ne\tf"


class TestFolding:
    """Lines are folded at 75 octets, only when needed, never inside a character."""

    @staticmethod
    def check_physical_lines(text: str) -> None:
        for line in text.encode().split(b"\r\n")[:-1]:
            assert len(line) <= 75, line
            line.decode("utf-8")  # a split character would not decode

    def test_long_multibyte_text_folds_on_character_boundaries(self) -> None:
        """Emoji, Cyrillic and CJK text folds into lines of at most 75 octets."""
        for shift in range(4):  # move the character boundaries across the fold point
            title = "x" * shift + "🙂ж字" * 60
            e = event("x@kapplan", EventKind.JOURNALING, berlin(2026, 10, 27, 10), title=title)
            plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=(e,))
            text = render_ics(plan, IcsOptions())
            self.check_physical_lines(text)
            assert read_icalendar(text)[0].summary == title
            assert read_vobject(text)[0].summary == title

    def test_only_long_lines_fold(self) -> None:
        """A 75-octet line stays whole; a 76-octet line folds into 75 + a continuation."""
        fits = "a" * (75 - len("SUMMARY:"))
        for title, folded in ((fits, False), (fits + "b", True)):
            e = event("x@kapplan", EventKind.JOURNALING, berlin(2026, 10, 27, 10), title=title)
            plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=(e,))
            text = render_ics(plan, IcsOptions())
            expected_line = f"SUMMARY:{fits}\r\n b\r\n" if folded else f"SUMMARY:{fits}\r\n"
            assert expected_line in text

    def test_every_line_of_a_plan_fits(self, text: str) -> None:
        """No physical line of a whole plan exceeds 75 octets."""
        self.check_physical_lines(text)


class TestDiscreet:
    """--discreet: neutral texts, no revealing word anywhere, CLASS:PRIVATE."""

    @staticmethod
    def assert_no_word(data: bytes) -> None:
        lowered = data.lower()
        unfolded_data = lowered.replace(b"\r\n ", b"")
        for word in DISCREET_WORDS:
            assert word.encode() not in lowered, word
            assert word.encode() not in unfolded_data, word

    def test_no_revealing_word_anywhere(self) -> None:
        """Titles, descriptions, alarms, categories, name, PRODID and uids say nothing."""
        plan = dst_plan(client="Spravato patient")
        text = render_ics(plan, IcsOptions(discreet=True))
        self.assert_no_word(text.encode())
        assert "X-WR-CALNAME:Personal\r\n" in text

    def test_neutral_titles_and_private_class(self) -> None:
        """Doses are Appointments, sessions Sessions, everything else Personal time."""
        plan = dst_plan()
        text = render_ics(plan, IcsOptions(discreet=True))
        blocks = vevents(text)
        for e in plan.events:
            block = blocks[e.uid]
            title = (
                "Appointment"
                if e.kind is EventKind.INFUSION
                else "Session"
                if e.is_session
                else "Personal time"
            )
            assert prop(block, "SUMMARY") == title
            assert prop(block, "DESCRIPTION") == title
            assert prop(block, "CATEGORIES") == "Personal"
            assert prop(block, "CLASS") == "PRIVATE"
            for alarm_text in re.findall(r"BEGIN:VALARM.*?DESCRIPTION:(.*?)\r", block, re.DOTALL):
                assert alarm_text == title

    def test_cancellations_from_a_revealing_export_stay_discreet(self) -> None:
        """Events cancelled from an earlier, non-discreet export carry no old title."""
        before = dst_plan()
        old = render_ics(before, IcsOptions())
        after = replace(before, events=before.events[3:])
        text = render_ics(after, IcsOptions(discreet=True, previous=parse_previous(old, "old.ics")))
        assert "STATUS:CANCELLED" in text
        self.assert_no_word(text.encode())

    def test_revealing_calendar_name_is_refused(self, plan: Plan) -> None:
        """A calendar name with a revealing word is refused, not written."""
        with pytest.raises(InvalidOption, match=r"^calendar_name: .*'Esketamine'") as caught:
            render_ics(plan, IcsOptions(discreet=True, calendar_name="My Esketamine plan"))
        assert str(caught.value.renamed(FLAGS)).startswith("--calendar-name: ")

    def test_revealing_uid_is_refused(self) -> None:
        """A uid with a revealing word is refused before anything is written."""
        e = event("infusion-1@example", EventKind.INFUSION, berlin(2026, 10, 27, 10))
        plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=(e,))
        with pytest.raises(InvalidOption, match="uid"):
            iter_ics(plan, IcsOptions(discreet=True))

    def test_chosen_neutral_name_is_kept(self, plan: Plan) -> None:
        """A neutral calendar name the user chose is written as given."""
        text = render_ics(plan, IcsOptions(discreet=True, calendar_name="Tuesdays"))
        assert "X-WR-CALNAME:Tuesdays\r\n" in text


class TestUpdates:
    """Stable uids, SEQUENCE and DTSTAMP make re-exports update events in place."""

    def test_byte_identical_for_an_unchanged_schedule(self, plan: Plan, text: str) -> None:
        """Equal plans give equal bytes, with or without the earlier export."""
        assert render_ics(dst_plan(), IcsOptions()) == text
        previous = parse_previous(text, "plan.ics")
        assert render_ics(plan, IcsOptions(previous=previous)) == text

    def test_dtstamp_comes_from_the_schedule(self, plan: Plan, text: str) -> None:
        """By default DTSTAMP is the plan's earliest start, the same on every event."""
        stamps = set(re.findall(r"DTSTAMP:(.*)\r", text))
        earliest = min(e.start.astimezone(UTC) for e in plan.events)
        assert stamps == {earliest.strftime("%Y%m%dT%H%M%SZ")}
        assert set(re.findall(r"SEQUENCE:(.*)\r", text)) == {"0"}

    def test_explicit_stamp_is_used(self, plan: Plan) -> None:
        """A stamp the caller asks for (e.g. the clock) goes on every event."""
        stamp = datetime(2026, 9, 1, 12, 0, 0, tzinfo=BERLIN)
        text = render_ics(plan, IcsOptions(stamp=stamp))
        assert set(re.findall(r"DTSTAMP:(.*)\r", text)) == {"20260901T100000Z"}

    def test_moving_one_dose_bumps_only_its_events(self, plan: Plan, text: str) -> None:
        """After a dose moves, its events get SEQUENCE 1 and a later DTSTAMP; others stay."""
        moved = move_dose(plan, 3, timedelta(days=1, hours=2))
        again = render_ics(moved, IcsOptions(previous=parse_previous(text, "plan.ics")))
        old, new = vevents(text), vevents(again)
        assert list(new) == list(old)  # every uid kept, none added
        changed = {e.uid for e in plan.events if e.infusion == 3}
        assert changed == {
            f"{k}3@kapplan" for k in ("appt", "rest", "advisory", "journal", "session")
        }
        for uid, block in new.items():
            if uid in changed:
                assert prop(block, "SEQUENCE") == "1"
                assert prop(block, "DTSTAMP") > prop(old[uid], "DTSTAMP")
                assert prop(block, "DTSTART") != prop(old[uid], "DTSTART")
            else:
                assert block == old[uid]
        for reader in (read_icalendar, read_vobject):
            assert reader(again) == expected(moved)

    def test_sequence_keeps_rising(self, plan: Plan, text: str) -> None:
        """A second move bumps again; moving back is a change too, never a rollback."""
        first = move_dose(plan, 2, timedelta(hours=3))
        one = render_ics(first, IcsOptions(previous=parse_previous(text, "a.ics")))
        two = render_ics(plan, IcsOptions(previous=parse_previous(one, "b.ics")))
        assert prop(vevents(two)["appt2@kapplan"], "SEQUENCE") == "2"
        assert prop(vevents(two)["appt1@kapplan"], "SEQUENCE") == "0"
        stamps = [prop(vevents(t)["appt2@kapplan"], "DTSTAMP") for t in (text, one, two)]
        assert stamps == sorted(stamps)
        assert len(set(stamps)) == 3

    def test_changed_options_bump_every_affected_event(self, plan: Plan, text: str) -> None:
        """New reminder lead times change the alarmed events only."""
        previous = parse_previous(text, "plan.ics")
        again = render_ics(plan, IcsOptions(reminders=(timedelta(hours=2),), previous=previous))
        for e in plan.events:
            alarmed = e.is_session or e.kind is EventKind.INFUSION
            assert prop(vevents(again)[e.uid], "SEQUENCE") == ("1" if alarmed else "0")

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_vanished_events_are_cancelled(self, reader: str, plan: Plan, text: str) -> None:
        """An event the re-plan dropped is written once more, cancelled, without alarms."""
        after = replace(plan, events=tuple(e for e in plan.events if e.infusion != 5))
        again = render_ics(after, IcsOptions(previous=parse_previous(text, "plan.ics")))
        seen = {s.uid: s for s in READERS[reader](again)}
        gone = {e.uid: e for e in plan.events if e.infusion == 5}
        assert set(seen) == {e.uid for e in plan.events}
        for uid, old in gone.items():
            assert seen[uid].status == "CANCELLED"
            assert seen[uid].summary == f"Cancelled: {old.title}"
            assert seen[uid].alarms == ()
            assert seen[uid].start == (
                old.start.date() if old.all_day else old.start.astimezone(UTC)
            )
            block = vevents(again)[uid]
            assert prop(block, "SEQUENCE") == "1"
            assert prop(block, "TRANSP") == "TRANSPARENT"
        for uid in set(seen) - set(gone):
            assert seen[uid].status == "CONFIRMED"

    def test_cancellations_persist_unchanged(self, plan: Plan, text: str) -> None:
        """Re-exporting with a cancelling export as previous keeps it byte-identical."""
        after = replace(plan, events=plan.events[:-1])
        second = render_ics(after, IcsOptions(previous=parse_previous(text, "1.ics")))
        third = render_ics(after, IcsOptions(previous=parse_previous(second, "2.ics")))
        assert third == second
        assert third.count("STATUS:CANCELLED") == 1

    def test_returning_event_is_confirmed_again(self, plan: Plan, text: str) -> None:
        """A uid that comes back after a cancellation is CONFIRMED with a higher SEQUENCE."""
        after = replace(plan, events=plan.events[:-1])
        second = render_ics(after, IcsOptions(previous=parse_previous(text, "1.ics")))
        third = render_ics(plan, IcsOptions(previous=parse_previous(second, "2.ics")))
        back = vevents(third)[plan.events[-1].uid]
        assert prop(back, "STATUS") == "CONFIRMED"
        assert prop(back, "SEQUENCE") == "2"
        assert "STATUS:CANCELLED" not in third

    def test_parse_stamp(self) -> None:
        """--stamp takes now (the clock the shell passes) or an ISO time with an offset."""
        now = datetime(2026, 9, 1, 12, 0, 0, 123456, tzinfo=BERLIN)
        assert parse_stamp("now", now) == datetime(2026, 9, 1, 10, tzinfo=UTC)
        assert parse_stamp("2026-10-01T09:00:00Z", now) == datetime(2026, 10, 1, 9, tzinfo=UTC)
        assert parse_stamp("2026-10-01T11:00+02:00", now) == datetime(2026, 10, 1, 9, tzinfo=UTC)
        with pytest.raises(InvalidOption, match=r"^stamp: .*no UTC offset") as caught:
            parse_stamp("2026-10-01T09:00", now)
        assert str(caught.value.renamed(FLAGS)).startswith("--stamp: ")
        with pytest.raises(InvalidOption, match=r"^stamp: .*not a time"):
            parse_stamp("yesterday", now)


class TestParsePrevious:
    """parse_previous reads kapplan's own exports and rejects anything else in one line."""

    def test_reads_own_export(self, plan: Plan, text: str) -> None:
        """Every uid is read with its SEQUENCE, DTSTAMP and status."""
        previous = parse_previous(text.encode(), "plan.ics")
        assert list(previous.events) == [e.uid for e in plan.events]
        first = previous.events["appt1@kapplan"]
        assert first.sequence == 0
        assert not first.cancelled
        assert first.summary == "Infusion 1 (IV ketamine)"

    def test_line_ends_and_bom_do_not_matter(self, plan: Plan, text: str) -> None:
        """An export whose CRLFs became LFs, or that gained a BOM, reads the same."""
        reference = parse_previous(text, "a.ics")
        assert parse_previous(text.replace("\r\n", "\n"), "b.ics").events == reference.events
        assert parse_previous(b"\xef\xbb\xbf" + text.encode(), "c.ics").events == reference.events

    GOOD = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kapplan//kapplan 0.1.0//EN\r\n"
        "BEGIN:VEVENT\r\nUID:a@kapplan\r\nDTSTAMP:20261001T000000Z\r\nSEQUENCE:0\r\n"
        "DTSTART:20261027T090000Z\r\nDTEND:20261027T100000Z\r\nSUMMARY:A\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    @pytest.mark.parametrize(
        ("data", "line", "fragment"),
        [
            (b"\x00\x01garbage\xff", 1, "not UTF-8"),
            (b"BEGIN:VCALENDAR\r\nX:1\r\n\xff\r\n", 3, "not UTF-8"),
            ("", 1, "not an iCalendar file"),
            ("hello world\n", 1, "not an iCalendar file"),
            (GOOD.replace("kapplan//kapplan", "Google Inc//Google Calendar"), 3, "not kapplan's"),
            (GOOD.replace("PRODID:-//kapplan//kapplan 0.1.0//EN\r\n", ""), 3, "no kapplan PRODID"),
            (GOOD.replace("UID:a@kapplan\r\n", ""), 4, "no UID"),
            (GOOD.replace("SEQUENCE:0", "SEQUENCE:x"), 7, "SEQUENCE 'x'"),
            (GOOD.replace("DTSTAMP:20261001T000000Z", "DTSTAMP:soon"), 6, "DTSTAMP 'soon'"),
            (GOOD.replace("DTSTART:20261027T090000Z", "DTSTART;TZID=X:20261027T090000"), 8,
             "unknown time zone 'X'"),
            (GOOD.replace("DTSTART:20261027T090000Z", "DTSTART;TZID=X:2026"), 8,
             "not a UTC time"),
            # Digits in the right places that name no moment: a line, not a traceback.
            (GOOD.replace("DTSTAMP:20261001T000000Z", "DTSTAMP:20261399T000000Z"), 6,
             "DTSTAMP '20261399T000000Z' is not a real date and time"),
            (GOOD.replace("DTSTART:20261027T090000Z", "DTSTART:20260230T090000Z"), 8,
             "DTSTART '20260230T090000Z' is not a real date and time"),
            (GOOD.replace("DTEND:20261027T100000Z", "DTEND:20261027T106100Z"), 9,
             "DTEND '20261027T106100Z' is not a real date and time"),
            (GOOD.replace("DTSTART:20261027T090000Z", "DTSTART;TZID=Europe/Berlin:20261027T250000"),
             8, "DTSTART '20261027T250000' is not a real date and time"),
            (GOOD.replace("DTSTART:20261027T090000Z", "DTSTART;VALUE=DATE:20261327"), 8,
             "DTSTART '20261327' is not a real date"),
            (GOOD.replace("SUMMARY:A", "SUMMARY:A\r\nX-KAPPLAN-PLACED:20261399T090000Z/"
             "20261027T100000Z"), 11, "is not two UTC times"),
            (GOOD.replace("END:VEVENT\r\nEND:VCALENDAR\r\n", ""), 4,
             "BEGIN:VEVENT is never closed"),
            (GOOD.replace("END:VEVENT", "END:VTODO"), 11, "expected END:VEVENT"),
            (GOOD.replace("SUMMARY:A", "just some words"), 10, "not an iCalendar content line"),
            (GOOD + "BEGIN:VCALENDAR\r\n", 13, "after END:VCALENDAR"),
            (GOOD.replace("END:VCALENDAR", GOOD[GOOD.index("BEGIN:VEVENT"):] + "END:VCALENDAR"),
             13, "appears twice"),
        ],
    )  # fmt: skip
    def test_rejects_garbage_with_a_located_line(
        self, data: str | bytes, line: int, fragment: str
    ) -> None:
        """Each problem is an UnreadableCalendar naming the file and the line."""
        with pytest.raises(UnreadableCalendar) as caught:
            parse_previous(data, "old.ics")
        message = str(caught.value)
        assert message.startswith(f"old.ics:{line}: "), message
        assert fragment in message
        assert "\n" not in message

    def test_good_sample_reads(self) -> None:
        """The minimal sample the garbage cases start from is itself accepted."""
        assert list(parse_previous(self.GOOD, "old.ics").events) == ["a@kapplan"]


#: Text a schedule may carry: specials, line breaks, emoji, Cyrillic, anything printable.
texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        st.sampled_from([",", ";", "\\", "\n", ":", '"', "\t", " ", "🙂", "ж", "Ё", "‍"]),
    ),
    max_size=120,
)


@settings(max_examples=75, deadline=None)
@given(titles=st.lists(st.tuples(texts, texts), min_size=1, max_size=3))
def test_text_round_trips_through_independent_parsers(titles: list[tuple[str, str]]) -> None:
    """Random titles and descriptions come back unchanged from icalendar and vobject, and
    no physical line exceeds 75 octets or splits a character."""
    events = tuple(
        event(f"e{i}@kapplan", EventKind.INTEGRATION_SESSION, berlin(2026, 10, 25, 1 + i), 30,
              title=title, description=description)
        for i, (title, description) in enumerate(titles)
    )  # fmt: skip
    plan = Plan(timezone="Europe/Berlin", infusions=(), courses=(), events=events)
    text = render_ics(plan, IcsOptions())
    TestFolding.check_physical_lines(text)
    for reader in (read_icalendar, read_vobject):
        assert reader(text) == expected(plan)
    assert render_ics(plan, IcsOptions(previous=parse_previous(text, "p.ics"))) == text
