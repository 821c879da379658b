"""The rules engine: every default rule's window at both edges, and the plan's invariants.

Times are asserted as ISO 8601 text with the UTC offset, so each assertion
names an exact instant and its local wall-clock time at once. December 2026
has no DST change in Berlin: Tue 1 Dec 2026 is the usual first dose.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kapplan.edge.load import load_schedule
from kapplan.engine import build_plan
from kapplan.formats.json import render_json
from kapplan.model.hours import HourRange, TherapistHours
from kapplan.model.plan import EventKind, Phase, WarningCode
from tests.conftest import ROOT
from tests.plans import (
    ALWAYS,
    TEXTS,
    doses,
    message,
    of,
    plan,
    rulebook,
    schedule,
    spans,
    warnings_of,
)

FIRST = "2026-12-01T10:00:00"  # Tue 1 Dec 2026, 10:00 CET


def _avail(days: str, hours: str) -> str:
    listed = ", ".join(f'"{d}"' for d in days.split())
    return f'[availability]\ndays = [{listed}]\nhours = "{hours}"\n'


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class TestCourses:
    """Doses group into courses by `course_gap_days`: calendar days between dose starts."""

    def test_gap_of_exactly_course_gap_days_stays_one_course(self) -> None:
        """Dose 2 on the 14th day after dose 1, whatever the clock time: one course."""
        result = plan(doses(FIRST, "2026-12-15T23:30:00"), rules=("dose",))
        assert [c.infusions for c in result.courses] == [(1, 2)]
        assert result.warnings == ()

    def test_one_day_more_starts_a_new_course_and_says_what_would_keep_one(self) -> None:
        """15 days after dose 1 (even at an earlier clock time), dose 2 starts course 2, and a
        warning names course_gap_days and the value that would have kept one course."""
        result = plan(doses(FIRST, "2026-12-16T08:00:00"), rules=("dose",))
        assert [c.infusions for c in result.courses] == [(1,), (2,)]
        assert [i.course for i in result.infusions] == [1, 2]
        assert [(c.start.isoformat(), c.end.isoformat()) for c in result.courses] == [
            ("2026-12-01T10:00:00+01:00", "2026-12-01T11:00:00+01:00"),
            ("2026-12-16T08:00:00+01:00", "2026-12-16T09:00:00+01:00"),
        ]
        (split,) = result.warnings
        assert split.code is WarningCode.COURSE_SPLIT
        assert dict(split.params) == {"course": 2, "dose": 2, "days": 15, "setting": 14}
        assert "course_gap_days" in message(result, split)
        assert "15" in message(result, split)

    def test_a_gap_far_over_the_setting_splits_without_a_warning(self) -> None:
        """21 days (a week over the setting) is still warned; 22 days is plainly two courses."""
        near = plan(doses(FIRST, "2026-12-22T10:00:00"), rules=("dose",))
        far = plan(doses(FIRST, "2026-12-23T10:00:00"), rules=("dose",))
        assert [w.code for w in near.warnings] == [WarningCode.COURSE_SPLIT]
        assert (len(far.courses), far.warnings) == (2, ())

    def test_course_gap_setting_moves_the_boundary(self) -> None:
        """course_gap_days = 3: doses 3 calendar days apart share a course; 4 split."""
        body = "[plan]\ncourse_gap_days = 3\n"
        same = plan(body + doses(FIRST, "2026-12-04T23:00:00"), rules=("dose",))
        split = plan(body + doses(FIRST, "2026-12-05T00:00:00"), rules=("dose",))
        assert (len(same.courses), len(split.courses)) == (1, 2)

    def test_gap_counts_calendar_days_across_dst(self) -> None:
        """Across the end of DST, two-weekly doses at the same clock time are 14 days and an
        hour apart in real time, and still one course: the rule counts calendar days."""
        result = plan(doses("2026-10-22T10:00:00", "2026-11-05T10:00:00"), rules=("dose",))
        assert [c.infusions for c in result.courses] == [(1, 2)]
        later = plan(doses("2026-10-22T10:00:00", "2026-11-06T09:00:00"), rules=("dose",))
        assert [c.infusions for c in later.courses] == [(1,), (2,)]


class TestPreparationSession:
    """preparation-session: within the 7 days before a course, not on a dose day."""

    RULES = ("dose", "preparation-session")

    def test_opens_exactly_seven_days_before(self) -> None:
        """With every minute free, the session starts exactly 7 days before the first dose."""
        result = plan(ALWAYS + doses("2026-12-08T10:00:00"), rules=self.RULES)
        assert spans(result, "preparation-session") == [
            ("2026-12-01T10:00:00+01:00", "2026-12-01T11:00:00+01:00")
        ]
        assert result.warnings == ()

    def test_last_slot_ends_at_midnight_before_the_dose_day(self) -> None:
        """When only Monday 23:00-24:00 is free, the session fills it, touching the dose day."""
        result = plan(_avail("mon", "23:00-24:00") + doses("2026-12-08T10:00:00"), rules=self.RULES)
        assert spans(result, "preparation-session") == [
            ("2026-12-07T23:00:00+01:00", "2026-12-08T00:00:00+01:00")
        ]
        assert result.warnings == ()

    def test_never_on_a_dose_day_even_when_free(self) -> None:
        """Tuesday 08:00 on the dose's own day is free and in the window, but not used."""
        result = plan(_avail("tue", "08:00-09:00") + doses("2026-12-08T10:00:00"), rules=self.RULES)
        assert spans(result, "preparation-session") == [
            ("2026-12-01T08:00:00+01:00", "2026-12-01T09:00:00+01:00")
        ]
        [warning] = warnings_of(result, "preparation-session")
        assert message(result, warning) == (
            "Preparation session 1/1 (course 1): no free time in its window "
            "(Tue 01 Dec 2026 10:00 – Tue 08 Dec 2026 10:00); "
            "placed 2 h early, Tue 01 Dec 2026 08:00"
        )
        assert warning.infusion is None

    def test_flagged_event_says_it_is_outside_its_window(self) -> None:
        """An event placed outside its window says so in its description."""
        result = plan(_avail("tue", "08:00-09:00") + doses("2026-12-08T10:00:00"), rules=self.RULES)
        [event] = of(result, "preparation-session")
        assert event.description.endswith(
            "Outside its window (Tue 01 Dec 2026 10:00 – Tue 08 Dec 2026 10:00): placed 2 h early."
        )

    def test_overflow_takes_the_nearest_earlier_grid_time(self) -> None:
        """Window opening at 10:03: the nearest earlier start is 10:00, 3 min early, not 09:55."""
        body = _avail("tue", "09:00-11:00") + doses("2026-12-08T10:03:00")
        result = plan(body, rules=self.RULES)
        assert spans(result, "preparation-session") == [
            ("2026-12-01T10:00:00+01:00", "2026-12-01T11:00:00+01:00")
        ]
        assert [message(result, w) for w in result.warnings] == [
            "Preparation session 1/1 (course 1): no free time in its window "
            "(Tue 01 Dec 2026 10:03 – Tue 08 Dec 2026 10:03); "
            "placed 3 min early, Tue 01 Dec 2026 10:00"
        ]

    def test_nothing_fits_gives_a_warning_and_no_event(self) -> None:
        """Hours too short for a 60-minute session: no event, and a warning saying so."""
        result = plan(_avail("mon tue", "09:00-09:30") + doses("2026-12-08T10:00:00"))
        assert of(result, "preparation-session") == []
        assert [message(result, w) for w in warnings_of(result, "preparation-session")] == [
            "Preparation session 1/1 (course 1): no free time in its window "
            "(Tue 01 Dec 2026 10:00 – Tue 08 Dec 2026 10:00) or within 28 days earlier; "
            "not planned"
        ]

    @pytest.mark.parametrize("count", [1, 2, 3])
    def test_prep_sessions_on_different_days_before_the_course(self, count: int) -> None:
        """prep_sessions = 1-3 gives that many sessions, one a day, inside the 7 days before."""
        body = f"[plan]\nprep_sessions = {count}\n" + doses("2026-12-08T10:00:00")
        result = plan(body, rules=self.RULES)
        expected = [
            ("2026-12-01T10:00:00+01:00", "2026-12-01T11:00:00+01:00"),
            ("2026-12-02T09:00:00+01:00", "2026-12-02T10:00:00+01:00"),
            ("2026-12-03T09:00:00+01:00", "2026-12-03T10:00:00+01:00"),
        ]
        assert spans(result, "preparation-session") == expected[:count]
        titles = [e.title for e in of(result, "preparation-session")]
        assert titles == [
            f"Preparation session {k}/{count} (course 1)" for k in range(1, count + 1)
        ]
        assert result.warnings == ()

    def test_skips_another_course_dose_day(self) -> None:
        """Course 2's preparation comes after course 1's last dose (Wed 2 Dec), on days that
        are not dose days, numbered in time order (case 4 of issue 12)."""
        body = "[plan]\ncourse_gap_days = 3\nprep_sessions = 3\n" + doses(
            "2026-12-02T10:00:00", "2026-12-08T10:00:00"
        )
        result = plan(body, rules=self.RULES)
        course_2 = [s for s in of(result, "preparation-session") if s.course == 2]
        assert [e.start.isoformat() for e in course_2] == [
            "2026-12-03T09:00:00+01:00",
            "2026-12-04T09:00:00+01:00",
            "2026-12-07T09:00:00+01:00",
        ]

    def test_is_a_preparation_session(self) -> None:
        """The event is a therapy session of the preparation phase, for its course."""
        [event] = of(plan(doses("2026-12-08T10:00:00")), "preparation-session")
        assert (event.kind, event.phase, event.is_session, event.course, event.infusion) == (
            EventKind.PREPARATION_SESSION,
            Phase.PREPARATION,
            True,
            1,
            None,
        )


class TestIntentionSetting:
    """intention-setting: 15 minutes in the 24 h before each dose, ending before it."""

    RULES = ("dose", "intention-setting")

    def test_ends_exactly_at_the_dose(self) -> None:
        """It takes the latest slot, 09:45-10:00 before a 10:00 dose."""
        assert spans(plan(doses(FIRST)), "intention-setting") == [
            ("2026-12-01T09:45:00+01:00", "2026-12-01T10:00:00+01:00")
        ]

    def test_before_an_early_dose_it_goes_to_the_evening_before(self) -> None:
        """Before a 06:05 dose (hours start 06:00) it lands 21:45-22:00 the evening before."""
        result = plan(doses("2026-12-02T06:05:00"), rules=self.RULES)
        assert spans(result, "intention-setting") == [
            ("2026-12-01T21:45:00+01:00", "2026-12-01T22:00:00+01:00")
        ]
        assert result.warnings == ()

    def test_window_opens_24_hours_before(self) -> None:
        """With the 24 h before busy, it goes earlier, flagged by how much before -24 h.

        Dose 1 (Tue 06:15-22:00) and its intention (Tue 06:00) fill Tuesday, so the
        intention for dose 2 (Wed 06:00) goes to Mon 21:45, 8 h 15 min before its window.
        """
        body = doses("2026-12-01T06:15:00", method="oral", minutes=945) + doses(
            "2026-12-02T06:00:00"
        )
        result = plan(body, rules=self.RULES)
        assert spans(result, "intention-setting") == [
            ("2026-11-30T21:45:00+01:00", "2026-11-30T22:00:00+01:00"),
            ("2026-12-01T06:00:00+01:00", "2026-12-01T06:15:00+01:00"),
        ]
        [warning] = warnings_of(result, "intention-setting")
        assert warning.infusion == 2
        assert message(result, warning) == (
            "Set an intention for dose 2: no free time in its window "
            "(Tue 01 Dec 2026 06:00 – Wed 02 Dec 2026 06:00); "
            "placed 8 h 15 min early, Mon 30 Nov 2026 21:45"
        )


class TestDose:
    """dose: the dose itself, fixed where the schedule puts it."""

    @pytest.mark.parametrize(
        ("method", "end", "title"),
        [
            ("iv", "2026-12-01T11:00:00+01:00", "IV infusion 1"),
            ("im", "2026-12-01T11:00:00+01:00", "IM injection 1"),
            ("spravato", "2026-12-01T12:00:00+01:00", "Esketamine (Spravato) dose 1"),
            ("sublingual", "2026-12-01T12:00:00+01:00", "Oral/sublingual dose 1"),
        ],
    )
    def test_fixed_at_its_time_for_its_method_length(
        self, method: str, end: str, title: str
    ) -> None:
        """The dose event starts at the scheduled time and lasts its method's length."""
        [event] = of(plan(doses(FIRST, method=method)), "dose")
        assert (event.start.isoformat(), event.end.isoformat(), event.title) == (
            "2026-12-01T10:00:00+01:00",
            end,
            title,
        )
        assert (event.kind, event.phase, event.infusion, event.course) == (
            EventKind.INFUSION,
            Phase.EXPERIENCE,
            1,
            1,
        )

    def test_esketamine_note_says_no_driving(self) -> None:
        """An esketamine dose's description carries the label's driving warning."""
        [event] = of(plan(doses(FIRST, method="esketamine")), "dose")
        assert "do not drive" in event.description

    def test_dose_outside_availability_is_still_placed(self) -> None:
        """Doses are fixed: a Sunday 23:00 dose is placed though sessions are Mon-Fri."""
        assert spans(plan(doses("2026-12-06T23:00:00"), rules=("dose",)), "dose") == [
            ("2026-12-06T23:00:00+01:00", "2026-12-07T00:00:00+01:00")
        ]


class TestRest:
    """rest: 120 minutes straight after the dose, cut short by the next dose."""

    RULES = ("dose", "rest")

    def test_follows_the_dose(self) -> None:
        """Rest starts when the dose ends and lasts two hours."""
        assert spans(plan(doses(FIRST), rules=self.RULES), "rest") == [
            ("2026-12-01T11:00:00+01:00", "2026-12-01T13:00:00+01:00")
        ]

    def test_clipped_at_the_next_dose(self) -> None:
        """Dose 2 at 12:00 cuts dose 1's rest to 11:00-12:00; no warning."""
        result = plan(doses(FIRST, "2026-12-01T12:00:00"), rules=self.RULES)
        assert spans(result, "rest") == [
            ("2026-12-01T11:00:00+01:00", "2026-12-01T12:00:00+01:00"),
            ("2026-12-01T13:00:00+01:00", "2026-12-01T15:00:00+01:00"),
        ]
        assert result.warnings == ()

    def test_five_minutes_is_still_a_rest(self) -> None:
        """Dose 2 five minutes after dose 1 ends leaves a 5-minute rest."""
        result = plan(doses(FIRST, "2026-12-01T11:05:00"), rules=self.RULES)
        assert spans(result, "rest")[0] == (
            "2026-12-01T11:00:00+01:00",
            "2026-12-01T11:05:00+01:00",
        )

    def test_left_out_with_a_warning_when_the_next_dose_follows_at_once(self) -> None:
        """Dose 2 right at dose 1's end leaves no rest: it is left out, with a warning."""
        result = plan(doses(FIRST, "2026-12-01T11:00:00"), rules=self.RULES)
        assert [e.infusion for e in of(result, "rest")] == [2]
        [warning] = warnings_of(result, "rest")
        assert (message(result, warning), warning.infusion) == (
            "Rest after dose 1 overlaps the next dose; left out",
            1,
        )


class TestJournaling:
    """journaling: 30 minutes that fit between the dose's end and +24 h, hours 08-22."""

    RULES = ("dose", "rest", "journaling")

    def test_starts_when_rest_ends(self) -> None:
        """It takes the first free time after the dose: when rest ends."""
        assert spans(plan(doses(FIRST)), "journaling") == [
            ("2026-12-01T13:00:00+01:00", "2026-12-01T13:30:00+01:00")
        ]

    def test_may_end_exactly_24_hours_after_the_dose(self) -> None:
        """Dose 08:30-20:30, rest to 22:30: journaling 08:00-08:30 next day ends at +24 h."""
        result = plan(doses("2026-12-01T08:30:00", method="oral", minutes=720), rules=self.RULES)
        assert spans(result, "journaling") == [
            ("2026-12-02T08:00:00+01:00", "2026-12-02T08:30:00+01:00")
        ]
        assert result.warnings == ()

    def test_five_minutes_past_the_window_is_flagged(self) -> None:
        """Dose at 08:25: ending at 08:30 next day is 5 min past +24 h, and the plan says so."""
        result = plan(doses("2026-12-01T08:25:00", method="oral", minutes=720), rules=self.RULES)
        assert spans(result, "journaling") == [
            ("2026-12-02T08:00:00+01:00", "2026-12-02T08:30:00+01:00")
        ]
        [warning] = warnings_of(result, "journaling")
        assert message(result, warning) == (
            "Journal about dose 1: no free time in its window "
            "(Tue 01 Dec 2026 20:25 – Wed 02 Dec 2026 08:25); "
            "placed 5 min late, Wed 02 Dec 2026 08:00"
        )

    def test_last_slot_of_the_evening_ends_at_22_00(self) -> None:
        """Dose 18:30, rest until 21:30: journaling 21:30-22:00 fits the same evening."""
        result = plan(doses("2026-12-01T18:30:00"), rules=self.RULES)
        assert spans(result, "journaling") == [
            ("2026-12-01T21:30:00+01:00", "2026-12-01T22:00:00+01:00")
        ]

    def test_lists_the_prompts(self) -> None:
        """The journaling event lists DOMAIN.md's six prompts."""
        [event] = of(plan(doses(FIRST), rules=self.RULES), "journaling")
        assert "- What images, memories, sensations or feelings came up?" in event.description
        assert event.description.count("\n- ") == 6


class TestIntegrationSession:
    """integration-session: starts 24-72 h after the dose, as near 24 h as possible."""

    RULES = ("dose", "integration-session")

    def test_starts_exactly_24_hours_after_when_free(self) -> None:
        """Tue 10:00 dose: the session is Wed 10:00-11:00, exactly +24 h."""
        result = plan(doses(FIRST))
        assert spans(result, "integration-session") == [
            ("2026-12-02T10:00:00+01:00", "2026-12-02T11:00:00+01:00")
        ]
        assert warnings_of(result, "integration-session") == []

    def test_friday_evening_dose_lands_monday_morning_without_warning(self) -> None:
        """Fri 17:30 dose, Mon-Fri 09-18: the session is Mon 09:00 (+63 h 30 min), unflagged."""
        result = plan(doses("2026-12-04T17:30:00"))
        [event] = of(result, "integration-session")
        assert (event.start.isoformat(), event.end.isoformat()) == (
            "2026-12-07T09:00:00+01:00",
            "2026-12-07T10:00:00+01:00",
        )
        assert event.start - result.infusions[0].start == timedelta(hours=63, minutes=30)
        assert "Outside its window" not in event.description
        assert warnings_of(result, "integration-session") == []

    def test_plus_24_hours_outside_hours_moves_to_next_opening(self) -> None:
        """Tue 18:30 dose: Wed 18:30 is after hours, so the session is Thu 09:00."""
        result = plan(doses("2026-12-01T18:30:00"), rules=self.RULES)
        assert spans(result, "integration-session") == [
            ("2026-12-03T09:00:00+01:00", "2026-12-03T10:00:00+01:00")
        ]
        assert result.warnings == ()

    def test_may_start_exactly_72_hours_after(self) -> None:
        """Only Fri 10:00 is free: a start at exactly +72 h is inside the window."""
        result = plan(_avail("fri", "10:00-11:00") + doses(FIRST), rules=self.RULES)
        assert spans(result, "integration-session") == [
            ("2026-12-04T10:00:00+01:00", "2026-12-04T11:00:00+01:00")
        ]
        assert result.warnings == ()

    def test_five_minutes_after_72_hours_is_flagged(self) -> None:
        """Only Fri 10:05 is free: placed 5 min late, with a warning naming rule and dose."""
        result = plan(_avail("fri", "10:05-11:05") + doses(FIRST), rules=self.RULES)
        assert spans(result, "integration-session") == [
            ("2026-12-04T10:05:00+01:00", "2026-12-04T11:05:00+01:00")
        ]
        [warning] = warnings_of(result, "integration-session")
        assert (warning.infusion, message(result, warning)) == (
            1,
            "Integration session after dose 1: no free time in its window "
            "(Wed 02 Dec 2026 10:00 – Fri 04 Dec 2026 10:00); "
            "placed 5 min late, Fri 04 Dec 2026 10:05",
        )

    def test_overflow_takes_the_nearest_later_grid_time(self) -> None:
        """Window closing at 10:03 with 10:05 free: placed at 10:05, 2 min late, not 10:10."""
        body = _avail("fri", "10:05-11:30") + doses("2026-12-01T10:03:00")
        result = plan(body, rules=self.RULES)
        assert spans(result, "integration-session") == [
            ("2026-12-04T10:05:00+01:00", "2026-12-04T11:05:00+01:00")
        ]
        assert [message(result, w) for w in result.warnings] == [
            "Integration session after dose 1: no free time in its window "
            "(Wed 02 Dec 2026 10:03 – Fri 04 Dec 2026 10:03); "
            "placed 2 min late, Fri 04 Dec 2026 10:05"
        ]

    def test_missed_window_goes_to_the_nearest_later_time(self) -> None:
        """Mondays only: the session goes to Mon 09:00, flagged 2 d 23 h late."""
        result = plan(_avail("mon", "09:00-18:00") + doses(FIRST), rules=self.RULES)
        assert spans(result, "integration-session") == [
            ("2026-12-07T09:00:00+01:00", "2026-12-07T10:00:00+01:00")
        ]
        assert [message(result, w) for w in result.warnings] == [
            "Integration session after dose 1: no free time in its window "
            "(Wed 02 Dec 2026 10:00 – Fri 04 Dec 2026 10:00); "
            "placed 2 d 23 h late, Mon 07 Dec 2026 09:00"
        ]

    def test_nothing_fits_gives_a_warning_and_no_event(self) -> None:
        """Hours shorter than a session: no event, and a warning naming rule and dose."""
        result = plan(_avail("mon tue wed thu fri", "09:00-09:30") + doses(FIRST), rules=self.RULES)
        assert of(result, "integration-session") == []
        [warning] = warnings_of(result, "integration-session")
        assert (warning.infusion, message(result, warning)) == (
            1,
            "Integration session after dose 1: no free time in its window "
            "(Wed 02 Dec 2026 10:00 – Fri 04 Dec 2026 10:00) or within 28 days later; "
            "not planned",
        )

    def test_session_minutes_sets_the_length(self) -> None:
        """session_minutes = 90 makes a 90-minute session."""
        result = plan("[plan]\nsession_minutes = 90\n" + doses(FIRST), rules=self.RULES)
        assert spans(result, "integration-session") == [
            ("2026-12-02T10:00:00+01:00", "2026-12-02T11:30:00+01:00")
        ]

    def test_dose_20_hours_later_covers_the_first(self) -> None:
        """Doses 20 h apart: one session after dose 2 covers both, and a warning says so."""
        result = plan(doses(FIRST, "2026-12-02T06:00:00"))
        [event] = of(result, "integration-session")
        assert (event.start.isoformat(), event.infusion, event.title) == (
            "2026-12-03T09:00:00+01:00",
            2,
            "Integration session after doses 1 and 2",
        )
        assert "Covers doses 1 and 2." in event.description
        [warning] = warnings_of(result, "integration-session")
        assert (warning.infusion, message(result, warning)) == (
            1,
            "Integration session after dose 1: dose 2 follows 20 h later, too soon for a "
            "session between them; the session after dose 2 covers both",
        )

    def test_no_session_ends_as_the_next_dose_starts(self) -> None:
        """Case 5 of issue 12: dose 2 at +25 h. A session at +24 h would end as the IV
        starts, on dose 2's day before it; instead the session after dose 2 covers both,
        and the warning says why."""
        result = plan(
            ALWAYS + doses("2026-12-01T08:00:00", "2026-12-02T09:00:00"), rules=self.RULES
        )
        assert [(e.start.isoformat(), e.title) for e in of(result, "integration-session")] == [
            ("2026-12-03T09:00:00+01:00", "Integration session after doses 1 and 2")
        ]
        [warning] = result.warnings
        assert (warning.code, warning.infusion) == (WarningCode.COVERED, 1)
        assert message(result, warning) == (
            "Integration session after dose 1: dose 2 follows 1 d 1 h later, too soon for a "
            "session between them; the session after dose 2 covers both"
        )

    def test_a_late_session_never_lands_after_the_next_dose(self) -> None:
        """Case 2 of issue 12: Mondays only, 90-minute sessions. Dose 1's session has no
        time before dose 2 (Fri), so one session after dose 2 (Mon 7 Dec) covers both; it
        does not take dose 2's only slot as a late session of dose 1."""
        body = (
            "[plan]\nsession_minutes = 90\n"
            + _avail("mon", "09:00-10:30")
            + doses(FIRST, "2026-12-04T10:00:00")
        )
        result = plan(body, rules=self.RULES)
        assert [(e.start.isoformat(), e.title) for e in of(result, "integration-session")] == [
            ("2026-12-07T09:00:00+01:00", "Integration session after doses 1 and 2")
        ]
        [warning] = result.warnings
        assert (warning.code, warning.params["next"]) == (WarningCode.MERGED, 2)
        assert message(result, warning) == (
            "Integration session after dose 1: no free time for it before dose 2; "
            "the session after dose 2 covers both"
        )

    def test_a_session_ends_the_buffer_before_a_dose(self) -> None:
        """Dose 2 at 00:30: the session at +24 h (22:30-23:30 the evening before) ends exactly
        the 60-minute buffer before it, so it stays; a 61-minute buffer moves it past dose 2."""
        body = ALWAYS + doses("2026-12-01T22:30:00", "2026-12-03T00:30:00")
        result = plan(body, rules=self.RULES)
        assert spans(result, "integration-session")[0] == (
            "2026-12-02T22:30:00+01:00",
            "2026-12-02T23:30:00+01:00",
        )
        book = rulebook(*self.RULES)
        wider = book.model_copy(
            update={"placement": book.placement.model_copy(update={"dose_buffer_minutes": 61})}
        )
        moved = build_plan(schedule(body), wider, texts=TEXTS)
        assert [e.infusion for e in of(moved, "integration-session")] == [2]
        assert [w.code for w in moved.warnings] == [WarningCode.COVERED]

    def test_five_minutes_less_is_covered(self) -> None:
        """Dose 2 at +24 h 55 min: no room for a 60-minute session at +24 h, so it covers."""
        result = plan(doses(FIRST, "2026-12-02T10:55:00"), rules=self.RULES)
        assert [e.title for e in of(result, "integration-session")] == [
            "Integration session after doses 1 and 2"
        ]
        assert [message(result, w) for w in result.warnings] == [
            "Integration session after dose 1: dose 2 follows 1 d 55 min later, too soon for "
            "a session between them; the session after dose 2 covers both"
        ]

    def test_daily_doses_are_covered_by_the_last(self) -> None:
        """Three daily 10:00 doses: one session, after dose 3, covering 1, 2 and 3."""
        result = plan(doses(FIRST, "2026-12-02T10:00:00", "2026-12-03T10:00:00"), rules=self.RULES)
        [event] = of(result, "integration-session")
        assert (event.start.isoformat(), event.title) == (
            "2026-12-04T10:00:00+01:00",
            "Integration session after doses 1, 2 and 3",
        )
        assert [w.infusion for w in result.warnings] == [1, 2]


class TestDaysOff:
    """[availability] days_off and holidays: no therapy session then; practices go on."""

    RULES = ("dose", "integration-session", "mindfulness")
    EVERY_DAY = _avail("mon tue wed thu fri sat sun", "09:00-18:00")

    def test_a_christmas_session_moves_off_a_holiday(self) -> None:
        """A dose on Thu 24 Dec 10:00 wants its session on Fri 25 Dec 10:00; with German
        holidays it skips the 25th and 26th and takes Sun 27 Dec 09:00, inside its window."""
        christmas = doses("2026-12-24T10:00:00")
        before = plan(christmas + self.EVERY_DAY, rules=self.RULES)
        assert spans(before, "integration-session")[0][0] == "2026-12-25T10:00:00+01:00"
        after = plan(christmas + self.EVERY_DAY + 'holidays = "DE"\n', rules=self.RULES)
        assert spans(after, "integration-session") == [
            ("2026-12-27T09:00:00+01:00", "2026-12-27T10:00:00+01:00")
        ]
        assert after.warnings == ()

    def test_practices_still_happen_on_a_holiday(self) -> None:
        """Mindfulness is personal: it stays on Christmas Day."""
        result = plan(
            doses("2026-12-24T10:00:00") + self.EVERY_DAY + 'holidays = "DE"\n', rules=self.RULES
        )
        days = [start[:10] for start, _ in spans(result, "mindfulness")]
        assert "2026-12-25" in days

    @pytest.mark.parametrize(
        "days_off",
        ['["2026-12-02..2026-12-03"]', "[{from = 2026-12-02, to = 2026-12-03}]"],
        ids=["string", "table"],
    )
    def test_both_ends_of_a_run_are_off_and_the_day_after_is_used(self, days_off: str) -> None:
        """Days off Wed 2 to Thu 3 Dec: the Tue 10:00 dose's session, which would be Wed
        10:00, skips both days and takes Fri 4 Dec 09:00 (its window closes at 10:00)."""
        result = plan(doses(FIRST) + f"[availability]\ndays_off = {days_off}\n", rules=self.RULES)
        assert spans(result, "integration-session") == [
            ("2026-12-04T09:00:00+01:00", "2026-12-04T10:00:00+01:00")
        ]
        assert warnings_of(result, "integration-session") == []

    def test_a_subdivisions_own_holiday(self) -> None:
        """Lincoln's Birthday (Fri 12 Feb 2027) is a holiday in New York, not the whole US:
        with "US" the session is that day, with "US-NY" the next."""
        dose = doses("2027-02-11T10:00:00") + self.EVERY_DAY
        country = plan(dose + 'holidays = "US"\n', "America/New_York", self.RULES)
        state = plan(dose + 'holidays = "US-NY"\n', "America/New_York", self.RULES)
        assert spans(country, "integration-session")[0][0] == "2027-02-12T10:00:00-05:00"
        assert spans(state, "integration-session")[0][0] == "2027-02-13T09:00:00-05:00"

    def test_a_missed_window_is_warned_and_placed_after_the_days_off(self) -> None:
        """Days off over the whole window: the session goes to the first day after them,
        with the usual late warning."""
        result = plan(
            doses(FIRST) + '[availability]\ndays_off = ["2026-12-02..2026-12-07"]\n',
            rules=self.RULES,
        )
        assert spans(result, "integration-session")[0][0] == "2026-12-08T09:00:00+01:00"
        assert [w.code.value for w in warnings_of(result, "integration-session")] == ["late"]


class TestCadence:
    """[plan] cadence: a session after every dose, or one per calendar week."""

    MON_THU = (
        "2026-11-30T10:00:00",
        "2026-12-03T10:00:00",
        "2026-12-07T10:00:00",
        "2026-12-10T10:00:00",
        "2026-12-14T10:00:00",
        "2026-12-17T10:00:00",
    )

    def test_every_infusion_is_the_default(self) -> None:
        """By default each of six doses gets its own session, at +24 h."""
        result = plan(doses(*self.MON_THU), rules=("dose", "integration-session"))
        assert [e.infusion for e in of(result, "integration-session")] == [1, 2, 3, 4, 5, 6]

    def test_weekly_gives_one_session_per_calendar_week(self) -> None:
        """Weekly: one session per Monday-Sunday week, after the week's first dose; the last
        week's follows the course's last dose, so the two weeks after it hold three."""
        body = '[plan]\ncadence = "weekly"\n' + doses(*self.MON_THU)
        result = plan(body, rules=("dose", "integration-session"))
        assert [(e.infusion, e.start.isoformat()) for e in of(result, "integration-session")] == [
            (1, "2026-12-01T10:00:00+01:00"),
            (3, "2026-12-08T10:00:00+01:00"),
            (6, "2026-12-18T10:00:00+01:00"),
        ]
        weeks = Counter(e.start.isocalendar()[:2] for e in of(result, "integration-session"))
        assert set(weeks.values()) == {1}
        assert result.warnings == ()

    def test_weekly_covers_a_week_without_a_dose(self) -> None:
        """Weekly: a week of the course with no dose still gets a session (DOMAIN.md: at
        least one a week during the active phase), tied to the latest earlier dose."""
        body = '[plan]\ncadence = "weekly"\n' + doses("2026-11-29T10:00:00", "2026-12-12T10:00:00")
        result = plan(body, rules=("dose", "integration-session"))
        sessions = of(result, "integration-session")
        assert [(e.infusion, e.start.isoformat()) for e in sessions] == [
            (1, "2026-11-30T10:00:00+01:00"),
            (1, "2026-12-07T10:00:00+01:00"),
            (2, "2026-12-14T09:00:00+01:00"),
        ]
        assert "no dose this week" in sessions[1].description
        assert len({e.uid for e in sessions}) == 3

    def test_weekly_weeks_are_local_weeks(self) -> None:
        """Fri 10:00 and Mon 00:30 Berlin (Sun 23:30Z) are in different local weeks: 2 sessions."""
        body = '[plan]\ncadence = "weekly"\n' + doses("2026-12-04T10:00:00", "2026-12-07T00:30:00")
        body += _avail("mon tue wed thu fri sat sun", "09:00-18:00")
        result = plan(body, rules=("dose", "integration-session"))
        assert [e.infusion for e in of(result, "integration-session")] == [1, 2]

    def test_weekly_applies_per_course(self) -> None:
        """Two courses in one ISO week (course_gap_days = 1): each course has its session."""
        body = '[plan]\ncadence = "weekly"\ncourse_gap_days = 1\n' + doses(
            "2026-11-30T10:00:00", "2026-12-03T10:00:00"
        )
        result = plan(body, rules=("dose", "integration-session"))
        assert [(e.infusion, e.course) for e in of(result, "integration-session")] == [
            (1, 1),
            (2, 2),
        ]


class TestMindfulness:
    """mindfulness: once a day on each of the three local days after a dose, hours 08-21."""

    RULES = ("dose", "mindfulness")

    def test_on_each_of_the_three_days_after(self) -> None:
        """Tue dose: 08:00 on Wed, Thu and Fri (the window opens at local midnight)."""
        result = plan(doses(FIRST), rules=self.RULES)
        assert spans(result, "mindfulness") == [
            ("2026-12-02T08:00:00+01:00", "2026-12-02T08:15:00+01:00"),
            ("2026-12-03T08:00:00+01:00", "2026-12-03T08:15:00+01:00"),
            ("2026-12-04T08:00:00+01:00", "2026-12-04T08:15:00+01:00"),
        ]

    def test_at_most_once_a_local_day(self) -> None:
        """Three daily doses: mindfulness on Wed-Sun once each, not once per dose."""
        result = plan(doses(FIRST, "2026-12-02T10:00:00", "2026-12-03T10:00:00"), rules=self.RULES)
        days = Counter(e.start.date().isoformat() for e in of(result, "mindfulness"))
        assert days == {
            "2026-12-02": 1,
            "2026-12-03": 1,
            "2026-12-04": 1,
            "2026-12-05": 1,
            "2026-12-06": 1,
        }
        assert result.warnings == ()

    def test_latest_start_is_20_45(self) -> None:
        """With Wednesday busy until 20:45, it takes 20:45-21:00, the day's last slot."""
        body = doses(FIRST) + doses("2026-12-02T08:00:00", method="oral", minutes=765)
        result = plan(body, rules=self.RULES)
        first = [e for e in of(result, "mindfulness") if e.infusion == 1]
        assert (first[0].start.isoformat(), first[0].end.isoformat()) == (
            "2026-12-02T20:45:00+01:00",
            "2026-12-02T21:00:00+01:00",
        )
        assert result.warnings == ()

    def test_a_day_with_no_time_is_flagged(self) -> None:
        """Busy until 20:50: no 15 minutes left on Wed; it moves to Thu 08:00, flagged."""
        body = doses(FIRST) + doses("2026-12-02T08:00:00", method="oral", minutes=770)
        result = plan(body, rules=self.RULES)
        assert [message(result, w) for w in warnings_of(result, "mindfulness")] == [
            "Mindfulness practice (1/3, after dose 1): no free time in its window "
            "(Wed 02 Dec 2026 00:00 – Thu 03 Dec 2026 00:00); "
            "placed 8 h late, Thu 03 Dec 2026 08:00"
        ]
        days = Counter(e.start.date().isoformat() for e in of(result, "mindfulness"))
        assert set(days.values()) == {1}


class TestMovement:
    """movement: 30 minutes the day after a dose, hours 12-20."""

    RULES = ("dose", "movement")

    def test_the_day_after_at_noon(self) -> None:
        """Tue dose: Wed 12:00-12:30."""
        assert spans(plan(doses(FIRST), rules=self.RULES), "movement") == [
            ("2026-12-02T12:00:00+01:00", "2026-12-02T12:30:00+01:00")
        ]

    def test_latest_start_is_19_30(self) -> None:
        """With Wednesday busy until 19:30 it takes 19:30-20:00, unflagged."""
        body = doses(FIRST) + doses("2026-12-02T11:00:00", method="oral", minutes=510)
        result = plan(body, rules=self.RULES)
        assert next(e for e in of(result, "movement") if e.infusion == 1).start.isoformat() == (
            "2026-12-02T19:30:00+01:00"
        )
        assert result.warnings == ()

    def test_at_most_once_a_local_day(self) -> None:
        """Two doses on one day (08:00 and 20:00) give one walk the next day, not two."""
        result = plan(doses("2026-12-01T08:00:00", "2026-12-01T20:00:00"), rules=self.RULES)
        assert spans(result, "movement") == [
            ("2026-12-02T12:00:00+01:00", "2026-12-02T12:30:00+01:00")
        ]

    def test_no_time_that_day_is_flagged(self) -> None:
        """Busy until 19:35: it moves to Thu 12:00, flagged 12 h late."""
        body = doses(FIRST) + doses("2026-12-02T11:00:00", method="oral", minutes=515)
        result = plan(body, rules=self.RULES)
        assert [message(result, w) for w in warnings_of(result, "movement")] == [
            "Walk or jog, 30 minutes (after dose 1): no free time in its window "
            "(Wed 02 Dec 2026 00:00 – Thu 03 Dec 2026 00:00); "
            "placed 12 h late, Thu 03 Dec 2026 12:00"
        ]


class TestSmallAction:
    """small-action: 15 minutes starting 48-72 h after the dose, hours 08-21."""

    RULES = ("dose", "small-action")

    def test_starts_exactly_48_hours_after(self) -> None:
        """Tue 10:00 dose: Thu 10:00-10:15."""
        assert spans(plan(doses(FIRST)), "small-action") == [
            ("2026-12-03T10:00:00+01:00", "2026-12-03T10:15:00+01:00")
        ]

    def test_last_slot_of_the_day_ends_at_21_00(self) -> None:
        """Tue 20:45 dose: +48 h is Thu 20:45, and 20:45-21:00 fits before hours end."""
        result = plan(doses("2026-12-01T20:45:00"), rules=self.RULES)
        assert spans(result, "small-action") == [
            ("2026-12-03T20:45:00+01:00", "2026-12-03T21:00:00+01:00")
        ]

    def test_may_start_exactly_72_hours_after(self) -> None:
        """With Thu 12:00 to Fri 12:00 busy, it starts Fri 12:00, exactly +72 h, unflagged."""
        body = doses("2026-12-01T12:00:00") + doses(
            "2026-12-03T12:00:00", method="oral", minutes=1440
        )
        result = plan(body, rules=self.RULES)
        first = [e for e in of(result, "small-action") if e.infusion == 1]
        assert first[0].start.isoformat() == "2026-12-04T12:00:00+01:00"
        assert result.warnings == ()

    def test_five_minutes_after_72_hours_is_flagged(self) -> None:
        """Busy until Fri 12:05: it starts then, flagged 5 min late."""
        body = doses("2026-12-01T12:00:00") + doses(
            "2026-12-03T12:05:00", method="oral", minutes=1440
        )
        result = plan(body, rules=self.RULES)
        assert [message(result, w) for w in warnings_of(result, "small-action")] == [
            "One small action (after dose 1): no free time in its window "
            "(Thu 03 Dec 2026 12:00 – Fri 04 Dec 2026 12:00); "
            "placed 5 min late, Fri 04 Dec 2026 12:05"
        ]


class TestProtect48h:
    """protect-48h: an all-day advisory over every local day from the dose to 48 h after it."""

    RULES = ("dose", "protect-48h")

    def test_covers_the_dose_day_and_two_more(self) -> None:
        """Tue 10:00-11:00 dose: Tue, Wed, Thu (until Thu 11:00); ends Fri 00:00, exclusive."""
        [event] = of(plan(doses(FIRST), rules=self.RULES), "protect-48h")
        assert (event.start.isoformat(), event.end.isoformat(), event.all_day) == (
            "2026-12-01T00:00:00+01:00",
            "2026-12-04T00:00:00+01:00",
            True,
        )
        assert (event.kind, event.title) == (
            EventKind.ADVISORY,
            "Protect the 48 hours after dose 1",
        )

    def test_48_hours_ending_at_midnight_do_not_touch_the_next_day(self) -> None:
        """Dose ending Wed 00:00: 48 h end Fri 00:00, so Thu is the last day."""
        [event] = of(plan(doses("2026-12-01T23:00:00"), rules=self.RULES), "protect-48h")
        assert (event.start.isoformat(), event.end.isoformat()) == (
            "2026-12-01T00:00:00+01:00",
            "2026-12-04T00:00:00+01:00",
        )

    def test_five_minutes_past_midnight_adds_a_day(self) -> None:
        """Dose ending Wed 00:05: 48 h end Fri 00:05, so Friday is covered too."""
        [event] = of(plan(doses("2026-12-01T23:05:00"), rules=self.RULES), "protect-48h")
        assert event.end.isoformat() == "2026-12-05T00:00:00+01:00"

    def test_overlapping_advisories_merge_and_name_all_doses(self) -> None:
        """Doses Tue, Thu, Sat: their 48 h overlap, so one advisory Tue-Mon names all three."""
        result = plan(doses(FIRST, "2026-12-03T10:00:00", "2026-12-05T10:00:00"), rules=self.RULES)
        [event] = of(result, "protect-48h")
        assert (event.start.isoformat(), event.end.isoformat(), event.title) == (
            "2026-12-01T00:00:00+01:00",
            "2026-12-08T00:00:00+01:00",
            "Protect the 48 hours after doses 1, 2 and 3",
        )
        assert "Covers doses 1, 2 and 3." in event.description

    def test_adjacent_advisories_stay_apart(self) -> None:
        """Doses Tue and Fri: Tue-Thu and Fri-Sun touch but do not overlap; two advisories."""
        result = plan(doses(FIRST, "2026-12-04T10:00:00"), rules=self.RULES)
        assert spans(result, "protect-48h") == [
            ("2026-12-01T00:00:00+01:00", "2026-12-04T00:00:00+01:00"),
            ("2026-12-04T00:00:00+01:00", "2026-12-07T00:00:00+01:00"),
        ]
        assert [e.title for e in of(result, "protect-48h")] == [
            "Protect the 48 hours after dose 1",
            "Protect the 48 hours after dose 2",
        ]

    def test_local_midnights_across_dst(self) -> None:
        """Sat 24 Oct dose in Berlin: starts at local midnight CEST, ends at midnight CET."""
        [event] = of(plan(doses("2026-10-24T10:00:00"), rules=self.RULES), "protect-48h")
        assert (event.start.isoformat(), event.end.isoformat()) == (
            "2026-10-24T00:00:00+02:00",
            "2026-10-27T00:00:00+01:00",
        )


class TestActiveCourse:
    """active-course: an all-day advisory over every local day of a course."""

    RULES = ("dose", "active-course")

    def test_spans_the_course(self) -> None:
        """Doses Tue 1 to Tue 8 Dec: Tue 1 Dec 00:00 until Wed 9 Dec 00:00 (exclusive)."""
        result = plan(doses(FIRST, "2026-12-04T10:00:00", "2026-12-08T10:00:00"), rules=self.RULES)
        [event] = of(result, "active-course")
        assert (event.start.isoformat(), event.end.isoformat(), event.all_day) == (
            "2026-12-01T00:00:00+01:00",
            "2026-12-09T00:00:00+01:00",
            True,
        )
        assert (event.course, event.infusion, event.title) == (
            1,
            None,
            "Active course 1: look after the basics",
        )

    def test_last_dose_ending_at_midnight_ends_the_course_that_day(self) -> None:
        """A last dose 23:00-24:00 ends the advisory at the next midnight, not a day later."""
        result = plan(doses(FIRST, "2026-12-08T23:00:00"), rules=self.RULES)
        assert spans(result, "active-course") == [
            ("2026-12-01T00:00:00+01:00", "2026-12-09T00:00:00+01:00")
        ]
        later = plan(doses(FIRST, "2026-12-08T23:05:00"), rules=self.RULES)
        assert spans(later, "active-course")[0][1] == "2026-12-10T00:00:00+01:00"

    def test_one_per_course(self) -> None:
        """Two courses get one advisory each."""
        result = plan(doses(FIRST, "2027-02-02T10:00:00"), rules=self.RULES)
        assert [(e.course, e.start.isoformat()) for e in of(result, "active-course")] == [
            (1, "2026-12-01T00:00:00+01:00"),
            (2, "2027-02-02T00:00:00+01:00"),
        ]


class TestWeek2Anchoring:
    """week-2-anchoring: two sessions on days 7-14 after a course's last dose, spread."""

    RULES = ("dose", "week-2-anchoring")

    def test_days_7_and_11_after_the_last_dose(self) -> None:
        """Last dose Tue 1 Dec: Tue 8 Dec 09:00; Sat 12 is off, so Mon 14 Dec 09:00."""
        result = plan(doses(FIRST), rules=self.RULES)
        assert spans(result, "week-2-anchoring") == [
            ("2026-12-08T09:00:00+01:00", "2026-12-08T10:00:00+01:00"),
            ("2026-12-14T09:00:00+01:00", "2026-12-14T10:00:00+01:00"),
        ]
        assert [e.title for e in of(result, "week-2-anchoring")] == [
            "Week-2 integration session 1/2 (course 1)",
            "Week-2 integration session 2/2 (course 1)",
        ]
        assert result.warnings == ()

    def test_opens_at_local_midnight_of_day_7(self) -> None:
        """With every minute free, session 1 starts at 00:00 on day 7 and session 2 on day 11."""
        result = plan(ALWAYS + doses(FIRST), rules=self.RULES)
        assert [e.start.isoformat() for e in of(result, "week-2-anchoring")] == [
            "2026-12-08T00:00:00+01:00",
            "2026-12-12T00:00:00+01:00",
        ]

    def test_day_14_is_inside(self) -> None:
        """Tuesdays only: days 7 and 14 (Tue 8 and Tue 15 Dec) are both inside, no warning."""
        result = plan(_avail("tue", "09:00-18:00") + doses(FIRST), rules=self.RULES)
        assert [e.start.isoformat() for e in of(result, "week-2-anchoring")] == [
            "2026-12-08T09:00:00+01:00",
            "2026-12-15T09:00:00+01:00",
        ]
        assert result.warnings == ()

    def test_day_15_is_outside(self) -> None:
        """Fridays only: session 1 on Fri 11 Dec (day 10); the window's other Friday is
        none, and one session a day, so session 2 goes to Fri 18 Dec (day 17), 2 d 9 h
        after the window (days 7-14) closes on Wed 16 Dec 00:00."""
        result = plan(_avail("fri", "09:00-18:00") + doses(FIRST), rules=self.RULES)
        assert [e.start.isoformat() for e in of(result, "week-2-anchoring")] == [
            "2026-12-11T09:00:00+01:00",
            "2026-12-18T09:00:00+01:00",
        ]
        assert [message(result, w) for w in result.warnings] == [
            "Week-2 integration session 2/2 (course 1): no free time in its window "
            "(Tue 08 Dec 2026 00:00 – Wed 16 Dec 2026 00:00); "
            "placed 2 d 9 h late, Fri 18 Dec 2026 09:00"
        ]
        assert result.warnings[0].infusion is None

    def test_spread_over_the_days_not_back_to_back(self) -> None:
        """Case 3 of issue 12: weekend-only availability puts the two sessions on Sat 12 and
        Sun 13 Dec, never both on one day, though one day has room for both."""
        result = plan(_avail("sat sun", "09:00-18:00") + doses(FIRST), rules=self.RULES)
        days = [e.start.date().isoformat() for e in of(result, "week-2-anchoring")]
        assert days == ["2026-12-12", "2026-12-13"]
        assert result.warnings == ()

    def test_counts_from_the_last_dose_of_each_course(self) -> None:
        """A course of Tue 1 and Fri 4 Dec: day 7 is Fri 11 Dec."""
        result = plan(doses(FIRST, "2026-12-04T10:00:00"), rules=self.RULES)
        assert of(result, "week-2-anchoring")[0].start.isoformat() == "2026-12-11T09:00:00+01:00"

    def test_two_weeks_after_hold_three_to_five_sessions(self) -> None:
        """With the default rules, the 14 days after a course's last dose hold 3-5 sessions."""
        example = build_plan(
            load_schedule(str(ROOT / "examples/iv-six-infusions.toml")), rulebook(), texts=TEXTS
        )
        last = example.infusions[-1].start
        within = [s for s in example.sessions if last <= s.start < last + timedelta(days=15)]
        assert 3 <= len(within) <= 5


class TestSoftLimits:
    """One session a client-day and a rule's apart_days give way only when nothing else fits."""

    def test_two_sessions_share_a_day_only_when_no_other_fits_and_say_so(self) -> None:
        """Course 2's two preparation sessions must come after course 1's dose (Tue 1 Dec)
        and before its own (Tue 8 Dec), on Wednesdays only: Wed 2 Dec holds both, and the
        second is warned as sharing the day."""
        body = (
            "[plan]\ncourse_gap_days = 1\nprep_sessions = 2\n"
            + _avail("wed", "09:00-18:00")
            + doses(FIRST, "2026-12-08T10:00:00")
        )
        result = plan(body, rules=("dose", "preparation-session"))
        second = [e for e in of(result, "preparation-session") if e.course == 2]
        assert [e.start.isoformat() for e in second] == [
            "2026-12-02T09:00:00+01:00",
            "2026-12-02T10:00:00+01:00",
        ]
        [warning] = [w for w in result.warnings if w.code is WarningCode.SAME_DAY]
        assert warning.event == second[1].uid
        assert message(result, warning) == (
            "Preparation session 2/2 (course 2): no other day was free; placed on a day that "
            "has another session (1 a day is the limit), Wed 02 Dec 2026 10:00"
        )

    def test_apart_days_give_way_inside_the_window_with_a_warning(self) -> None:
        """A relapse-prevention window of day 14 alone, after a session on day 13: it stays
        in its window, the day after the other session, and the plan says so."""
        book = rulebook("dose", "week-2-anchoring", "relapse-prevention")
        rules = []
        for rule in book.rule:
            if rule.id == "week-2-anchoring":
                rule = rule.model_copy(
                    update={"opens": "day+13d", "closes": "day+14d", "count": 1, "spread": False}
                )
            elif rule.id == "relapse-prevention":
                rule = rule.model_copy(update={"closes": "day+15d"})
            rules.append(rule)
        narrow = book.model_copy(update={"rule": tuple(rules)})
        days = _avail("mon tue wed thu fri sat sun", "09:00-18:00")
        result = build_plan(schedule(days + doses(FIRST)), narrow, texts=TEXTS)
        assert [e.start.date().isoformat() for e in result.sessions] == [
            "2026-12-14",
            "2026-12-15",
        ]
        [warning] = result.warnings
        assert warning.code is WarningCode.CLOSE_SESSIONS
        assert message(result, warning).startswith(
            "Relapse-prevention session (course 1): nothing else in its window was free; placed "
            "within 1 day of another session"
        )


class TestRelapsePrevention:
    """relapse-prevention: once per course, days 14-28 after its last dose."""

    RULES = ("dose", "relapse-prevention")

    def test_day_14_after_the_last_dose(self) -> None:
        """Last dose Tue 1 Dec: Tue 15 Dec 09:00."""
        result = plan(doses(FIRST), rules=self.RULES)
        assert spans(result, "relapse-prevention") == [
            ("2026-12-15T09:00:00+01:00", "2026-12-15T10:00:00+01:00")
        ]
        assert of(result, "relapse-prevention")[0].title == "Relapse-prevention session (course 1)"

    @staticmethod
    def _booked_until(day: int) -> TherapistHours:
        """A therapist free round the clock but booked from day 14 (Tue 15 Dec) to `day`."""
        berlin = ZoneInfo("Europe/Berlin")
        return TherapistHours(
            zone=berlin,
            weekdays=frozenset(range(7)),
            ranges=(HourRange(0, 24 * 60),),
            busy=((datetime(2026, 12, 15, tzinfo=berlin), datetime(2026, 12, day, tzinfo=berlin)),),
        )

    def test_day_28_is_the_last_day(self) -> None:
        """With days 14-27 booked on the therapist's calendar, it lands on day 28, 09:00
        (the client's waking hours)."""
        result = plan(doses(FIRST), rules=self.RULES, therapist=self._booked_until(29))
        course_1 = [e for e in of(result, "relapse-prevention") if e.course == 1]
        assert course_1[0].start.isoformat() == "2026-12-29T09:00:00+01:00"
        assert result.warnings == ()

    def test_day_29_is_flagged(self) -> None:
        """With day 28 booked too, it lands on day 29 at 09:00, 9 h after its window closes."""
        result = plan(doses(FIRST), rules=self.RULES, therapist=self._booked_until(30))
        assert [message(result, w) for w in warnings_of(result, "relapse-prevention")] == [
            "Relapse-prevention session (course 1): no free time in its window "
            "(Tue 15 Dec 2026 00:00 – Wed 30 Dec 2026 00:00); "
            "placed 9 h late, Wed 30 Dec 2026 09:00"
        ]

    def test_not_after_the_next_course_starts(self) -> None:
        """Course 2 starts on day 15 (course_gap_days = 1): course 1's relapse-prevention
        session comes before it, or not at all; never after the next dose."""
        body = "[plan]\ncourse_gap_days = 1\n" + doses(FIRST, "2026-12-16T10:00:00")
        result = plan(body, rules=self.RULES)
        first = [e for e in of(result, "relapse-prevention") if e.course == 1]
        assert [e.start.isoformat() for e in first] == ["2026-12-15T09:00:00+01:00"]
        busy = plan(body, rules=self.RULES, therapist=self._booked_until(17))
        assert [e.course for e in of(busy, "relapse-prevention")] == [2]
        [warning] = busy.warnings
        assert (warning.code, warning.params["next"]) == (WarningCode.NOT_PLANNED, 2)
        assert message(busy, warning).endswith("before dose 2; not planned")

    def test_once_per_course(self) -> None:
        """Two courses: one session each, days 14 after each course's last dose."""
        result = plan(doses(FIRST, "2027-02-02T10:00:00"), rules=self.RULES)
        assert [(e.course, e.start.isoformat()) for e in of(result, "relapse-prevention")] == [
            (1, "2026-12-15T09:00:00+01:00"),
            (2, "2027-02-16T09:00:00+01:00"),
        ]


class TestConsolidation:
    """consolidation: every 14 days between courses from day 21, ending 7 days before the next."""

    RULES = ("dose", "consolidation")

    def test_every_14_days_from_day_21(self) -> None:
        """Courses on Tue 1 Dec and Tue 2 Feb: Tue 22 Dec, 5 Jan and 19 Jan at 09:00.

        The third window closes Tue 26 Jan 00:00, exactly 7 days before the next
        course's day, and is still included.
        """
        result = plan(doses(FIRST, "2027-02-02T10:00:00"), rules=self.RULES)
        assert spans(result, "consolidation") == [
            ("2026-12-22T09:00:00+01:00", "2026-12-22T10:00:00+01:00"),
            ("2027-01-05T09:00:00+01:00", "2027-01-05T10:00:00+01:00"),
            ("2027-01-19T09:00:00+01:00", "2027-01-19T10:00:00+01:00"),
        ]
        assert {(e.course, e.infusion, e.kind) for e in of(result, "consolidation")} == {
            (1, None, EventKind.CONSOLIDATION_SESSION)
        }

    def test_a_day_less_drops_the_last(self) -> None:
        """Next course on Mon 1 Feb: the third window would close inside its last 7 days."""
        result = plan(doses(FIRST, "2027-02-01T10:00:00"), rules=self.RULES)
        assert [e.start.isoformat() for e in of(result, "consolidation")] == [
            "2026-12-22T09:00:00+01:00",
            "2027-01-05T09:00:00+01:00",
        ]

    def test_only_between_courses(self) -> None:
        """One course has no consolidation; nor does the time after the last course."""
        assert of(plan(doses(FIRST), rules=self.RULES), "consolidation") == []

    def test_clear_of_week_2_and_of_the_next_preparation(self) -> None:
        """With every default rule, consolidation sits after week 2 and before the next prep."""
        result = plan(
            doses(FIRST, "2026-12-04T10:00:00", "2026-12-08T10:00:00", "2027-02-02T10:00:00")
        )
        assert [e.start.isoformat() for e in of(result, "consolidation")] == [
            "2026-12-29T09:00:00+01:00",
            "2027-01-12T09:00:00+01:00",
        ]
        week_2_end = max(e.end for e in of(result, "week-2-anchoring") if e.course == 1)
        prep_opens = result.courses[1].start - timedelta(days=7)
        for event in of(result, "consolidation"):
            assert week_2_end <= event.start
            assert event.end <= prep_opens
        [prep] = [e for e in of(result, "preparation-session") if e.course == 2]
        assert prep.start.isoformat() == "2027-01-26T10:00:00+01:00"


class TestLongArc:
    """long-arc-biweekly (weeks 4, 6, 8) and long-arc-monthly (months 3 to long_arc_months)."""

    RULES = ("dose", "long-arc-biweekly", "long-arc-monthly")

    def test_biweekly_weeks_4_6_8_then_monthly(self) -> None:
        """After a course ending Tue 1 Dec: Tue 29 Dec, 12 Jan, 26 Jan; then 1 Mar to 1 Jun.

        Sat 1 May is off, so month 5 is Mon 3 May; months after 28 Mar 2027 are CEST.
        """
        result = plan(doses(FIRST), rules=self.RULES)
        assert [(e.start.isoformat(), e.title) for e in of(result, "long-arc-biweekly")] == [
            ("2026-12-29T09:00:00+01:00", "Long-arc session (week 4)"),
            ("2027-01-12T09:00:00+01:00", "Long-arc session (week 6)"),
            ("2027-01-26T09:00:00+01:00", "Long-arc session (week 8)"),
        ]
        assert [(e.start.isoformat(), e.title) for e in of(result, "long-arc-monthly")] == [
            ("2027-03-01T09:00:00+01:00", "Long-arc session (month 3)"),
            ("2027-04-01T09:00:00+02:00", "Long-arc session (month 4)"),
            ("2027-05-03T09:00:00+02:00", "Long-arc session (month 5)"),
            ("2027-06-01T09:00:00+02:00", "Long-arc session (month 6)"),
        ]
        assert {(e.course, e.infusion) for e in result.sessions} == {(None, None)}
        assert result.warnings == ()

    def test_opens_at_local_midnight(self) -> None:
        """With every minute free, week 4 starts at 00:00 on day 28, month 3 at 00:00 too."""
        result = plan(ALWAYS + doses(FIRST), rules=self.RULES)
        assert of(result, "long-arc-biweekly")[0].start.isoformat() == "2026-12-29T00:00:00+01:00"
        assert of(result, "long-arc-monthly")[0].start.isoformat() == "2027-03-01T00:00:00+01:00"

    @pytest.mark.parametrize(
        ("months", "expected"),
        [(2, []), (3, [3]), (6, [3, 4, 5, 6]), (12, list(range(3, 13)))],
    )
    def test_monthly_up_to_long_arc_months(self, months: int, expected: list[int]) -> None:
        """long_arc_months bounds the monthly sessions; 2 months means biweekly only."""
        result = plan(f"[plan]\nlong_arc_months = {months}\n" + doses(FIRST), rules=self.RULES)
        titles = [e.title for e in of(result, "long-arc-monthly")]
        assert titles == [f"Long-arc session (month {m})" for m in expected]
        assert len(of(result, "long-arc-biweekly")) == 3

    def test_counts_from_the_last_course_only(self) -> None:
        """Two courses: the long arc follows course 2 only."""
        result = plan(doses(FIRST, "2027-02-02T10:00:00"), rules=self.RULES)
        assert of(result, "long-arc-biweekly")[0].start.isoformat() == "2027-03-02T09:00:00+01:00"

    def test_missed_window_is_flagged_as_long_arc(self) -> None:
        """Hours too short for any session: each warning names its session as the plan
        would title it (its week of the long arc); nothing placed."""
        result = plan(
            _avail("mon", "09:00-09:30") + doses(FIRST), rules=("dose", "long-arc-biweekly")
        )
        assert of(result, "long-arc-biweekly") == []
        assert [message(result, w) for w in result.warnings] == [
            f"Long-arc session (week {week}): no free time in its window ({window}) "
            "or within 28 days later; not planned"
            for week, window in [
                (4, "Tue 29 Dec 2026 00:00 – Tue 05 Jan 2027 00:00"),
                (6, "Tue 12 Jan 2027 00:00 – Tue 19 Jan 2027 00:00"),
                (8, "Tue 26 Jan 2027 00:00 – Tue 02 Feb 2027 00:00"),
            ]
        ]


class TestDst:
    """Windows are real elapsed time; day windows and advisories follow the local calendar."""

    RULES = ("dose", "integration-session", "small-action", "week-2-anchoring")

    def test_24_hours_across_the_end_of_dst_in_berlin(self) -> None:
        """Sat 24 Oct 10:00 CEST + 24 h is Sun 25 Oct 09:00 CET: the same instant +24 h."""
        result = plan(ALWAYS + doses("2026-10-24T10:00:00"), rules=self.RULES)
        [session] = of(result, "integration-session")
        assert session.start.isoformat() == "2026-10-25T09:00:00+01:00"
        assert (_utc(result.infusions[0].start), _utc(session.start)) == (
            "2026-10-24T08:00:00+00:00",
            "2026-10-25T08:00:00+00:00",
        )
        [action] = of(result, "small-action")
        assert (action.start.isoformat(), _utc(action.start)) == (
            "2026-10-26T09:00:00+01:00",
            "2026-10-26T08:00:00+00:00",
        )

    def test_24_hours_across_the_end_of_dst_in_new_york(self) -> None:
        """Sat 31 Oct 10:00 EDT + 24 h is Sun 1 Nov 09:00 EST (14:00Z both)."""
        result = plan(ALWAYS + doses("2026-10-31T10:00:00"), "America/New_York", self.RULES)
        [session] = of(result, "integration-session")
        assert (session.start.isoformat(), _utc(session.start), _utc(session.end)) == (
            "2026-11-01T09:00:00-05:00",
            "2026-11-01T14:00:00+00:00",
            "2026-11-01T15:00:00+00:00",
        )

    def test_24_hours_across_the_start_of_dst(self) -> None:
        """Sat 28 Mar 10:00 CET + 24 h is Sun 29 Mar 11:00 CEST (09:00Z both)."""
        result = plan(ALWAYS + doses("2026-03-28T10:00:00"), rules=self.RULES)
        [session] = of(result, "integration-session")
        assert (session.start.isoformat(), _utc(session.start)) == (
            "2026-03-29T11:00:00+02:00",
            "2026-03-29T09:00:00+00:00",
        )

    def test_course_across_the_end_of_dst(self) -> None:
        """A Sat/Tue course over 25 Oct: each session starts exactly 24 h after its dose."""
        body = ALWAYS + (
            '[[series]]\nstart = 2026-10-17T10:00:00\nrrule = "FREQ=WEEKLY;BYDAY=SA,TU;COUNT=4"\n'
            'method = "iv"\n'
        )
        result = plan(body, rules=self.RULES)
        sessions = of(result, "integration-session")
        assert [(s.start.isoformat(), _utc(s.start)) for s in sessions] == [
            ("2026-10-18T10:00:00+02:00", "2026-10-18T08:00:00+00:00"),
            ("2026-10-21T10:00:00+02:00", "2026-10-21T08:00:00+00:00"),
            ("2026-10-25T09:00:00+01:00", "2026-10-25T08:00:00+00:00"),
            ("2026-10-28T10:00:00+01:00", "2026-10-28T09:00:00+00:00"),
        ]
        for dose, session in zip(result.infusions, sessions, strict=True):
            assert session.start.astimezone(UTC) - dose.start.astimezone(UTC) == timedelta(hours=24)

    def test_day_windows_keep_local_midnight_across_dst(self) -> None:
        """Week 2 after Sat 24 Oct (CEST) opens at 00:00 CET on Sat 31 Oct: calendar days."""
        result = plan(ALWAYS + doses("2026-10-24T10:00:00"), rules=self.RULES)
        assert [e.start.isoformat() for e in of(result, "week-2-anchoring")] == [
            "2026-10-31T00:00:00+01:00",
            "2026-11-04T00:00:00+01:00",
        ]

    def test_sessions_stay_in_local_hours_across_dst(self) -> None:
        """With 09:00-18:00 availability, sessions after the change start at 09:00 CET."""
        result = plan(doses("2026-10-23T10:00:00"), rules=("dose", "integration-session"))
        [session] = of(result, "integration-session")
        assert (session.start.isoformat(), _utc(session.start)) == (
            "2026-10-26T09:00:00+01:00",
            "2026-10-26T08:00:00+00:00",
        )


class TestAdvisoriesAndOrder:
    """All-day advisories and the order of events."""

    def test_advisories_are_all_day_with_local_midnights(self) -> None:
        """Every advisory is all-day, starts at local midnight and ends at a later midnight."""
        result = build_plan(
            load_schedule(str(ROOT / "examples/two-courses.toml")), rulebook(), texts=TEXTS
        )
        advisories = [e for e in result.events if e.kind is EventKind.ADVISORY]
        assert advisories
        for event in advisories:
            assert event.all_day
            assert (event.start.hour, event.start.minute) == (0, 0)
            assert (event.end.hour, event.end.minute) == (0, 0)
            assert event.end.date() > event.start.date()
        assert [e for e in result.events if e.all_day] == advisories

    def test_events_are_in_time_order_with_all_day_first(self) -> None:
        """Events sort by instant; an all-day event comes before a timed one at the same start."""
        result = plan(doses("2026-12-01T00:00:00"))
        keys = [(e.start.astimezone(UTC), not e.all_day) for e in result.events]
        assert keys == sorted(keys)
        on_the_day = [e.rule for e in result.events if e.start.date().isoformat() == "2026-12-01"]
        assert on_the_day[:3] == ["protect-48h", "active-course", "dose"]


class TestDeterminismAndUids:
    """Equal input gives an equal plan; uids come from what an event is."""

    @pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.toml")))
    def test_same_input_same_plan_and_json(self, example: str) -> None:
        """Planning an example twice gives equal plans and byte-equal JSON."""
        first = build_plan(load_schedule(str(ROOT / "examples" / example)), rulebook(), texts=TEXTS)
        second = build_plan(
            load_schedule(str(ROOT / "examples" / example)), rulebook(), texts=TEXTS
        )
        assert first == second
        assert render_json(first) == render_json(second)

    @pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.toml")))
    def test_uids_are_unique(self, example: str) -> None:
        """No two events of a plan share a uid."""
        result = build_plan(
            load_schedule(str(ROOT / "examples" / example)), rulebook(), texts=TEXTS
        )
        uids = [e.uid for e in result.events]
        assert len(uids) == len(set(uids))
        assert all(u.endswith("@kapplan") for u in uids)

    def test_moving_a_dose_keeps_every_uid(self) -> None:
        """Moving dose 3 two hours later changes times, not uids: each event keeps its uid."""
        times = [FIRST, "2026-12-04T10:00:00", "2026-12-08T10:00:00", "2026-12-11T10:00:00"]
        before = plan(doses(*times))
        times[2] = "2026-12-08T12:00:00"
        after = plan(doses(*times))

        def identity(p):  # type: ignore[no-untyped-def]
            return {e.uid: (e.rule, e.course, e.infusion, e.title) for e in p.events}

        assert identity(before) == identity(after)
        moved = {e.uid: e.start for e in after.events if e.infusion == 3 and e.rule == "dose"}
        assert [m.isoformat() for m in moved.values()] == ["2026-12-08T12:00:00+01:00"]

    def test_uids_depend_on_the_client(self) -> None:
        """Two clients' plans of one schedule never share a uid (calendars are merged)."""
        one = plan('client = "A"\n' + doses(FIRST))
        two = plan('client = "B"\n' + doses(FIRST))
        assert not {e.uid for e in one.events} & {e.uid for e in two.events}

    def test_no_clock_no_randomness(self) -> None:
        """The plan of a schedule is a function of it: a rebuilt schedule plans identically."""
        assert plan(doses(FIRST)) == build_plan(schedule(doses(FIRST)), rulebook(), texts=TEXTS)
