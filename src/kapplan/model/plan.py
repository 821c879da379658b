"""The plan: what the rules engine returns and every renderer reads.

All values are frozen. Times are timezone-aware datetimes in the schedule's
zone; all-day events (advisories) start and end at local midnight, with an
exclusive end, as iCalendar's VALUE=DATE events do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from msgspec import Struct, field

from kapplan.model.zones import zone_named


class Phase(StrEnum):
    """A phase of the Preparation–Experience–Integration model (DOMAIN.md)."""

    PREPARATION = "preparation"
    EXPERIENCE = "experience"
    INTEGRATION = "integration"


class EventKind(StrEnum):
    """What an event is; the closed set published in the JSON contract."""

    PREPARATION_SESSION = "preparation-session"
    INTENTION_SETTING = "intention-setting"
    INFUSION = "infusion"
    REST = "rest"
    JOURNALING = "journaling"
    INTEGRATION_SESSION = "integration-session"
    MINDFULNESS = "mindfulness"
    MOVEMENT = "movement"
    SMALL_ACTION = "small-action"
    ADVISORY = "advisory"
    RELAPSE_PREVENTION = "relapse-prevention"
    CONSOLIDATION_SESSION = "consolidation-session"
    LONG_ARC_SESSION = "long-arc-session"


#: What a therapist's agenda and calendar show of each client: sessions, and
#: the doses they follow (the client's practices stay in the client's own plan).
AGENDA_KINDS = frozenset({EventKind.INFUSION})


class Method(StrEnum):
    """How a dose is given."""

    IV = "iv"
    IM = "im"
    ESKETAMINE = "esketamine"
    ORAL = "oral"


class Infusion(Struct, frozen=True):
    """One dose of the schedule, after sorting and time-zone resolution."""

    index: int
    """1-based position in time order."""
    start: datetime
    """When the dose starts (aware, in the schedule's zone)."""
    end: datetime
    """When the dose (and, for esketamine, on-site observation) ends."""
    method: Method
    """How it is given."""
    course: int
    """1-based index of the course it belongs to."""


class Course(Struct, frozen=True):
    """A run of doses no further apart than the course gap."""

    index: int
    """1-based position in time order."""
    start: datetime
    """Start of the first dose."""
    end: datetime
    """End of the last dose."""
    infusions: tuple[int, ...]
    """Indices of the doses in this course."""


class PlanEvent(Struct, frozen=True):
    """One entry of the integration calendar."""

    uid: str
    """Stable identifier derived from what the event is, never from a counter or clock."""
    kind: EventKind
    """What the event is."""
    phase: Phase
    """Its PEI phase."""
    start: datetime
    """Start (aware). For all-day events, local midnight of the first day."""
    end: datetime
    """End (aware, exclusive). For all-day events, local midnight after the last day."""
    all_day: bool
    """True for advisories: notes for whole days, not appointments."""
    title: str
    """Short title."""
    description: str
    """What to do and why the event is there; journaling prompts for journaling."""
    infusion: int | None
    """Index of the dose it belongs to, if any."""
    course: int | None
    """Index of the course it belongs to, if any (None for the long arc)."""
    rule: str
    """Id of the rule that made it."""
    is_session: bool = False
    """True for appointments with a therapist (placed inside availability)."""
    prompts: tuple[str, ...] = ()
    """Journaling prompts the description lists (so a handout can print them once)."""
    placed: tuple[datetime, datetime] | None = None
    """For a session a person moved by hand in their calendar (and kapplan kept there):
    where kapplan had placed it. None otherwise."""
    outside: bool = False
    """True for a session booked outside its window (warned late or early): a re-plan
    keeps it there while it stays inside its bounds, as an accepted exception."""


class Booking(Struct, frozen=True):
    """A session's time in an earlier export, which a re-plan keeps while it is valid."""

    start: datetime
    """Its start (aware)."""
    end: datetime
    """Its end (aware)."""
    placed: tuple[datetime, datetime] | None = None
    """Where kapplan had placed it, when a person has moved it since (it is pinned)."""
    outside: bool = False
    """True when it was booked outside its window (accepted late or early): it may stay
    outside it. A booking that was inside its window and no longer is is placed again."""

    @property
    def pinned(self) -> bool:
        """Tell whether a person moved it by hand: it stays unless it became impossible."""
        return self.placed is not None and self.placed != (self.start, self.end)


class WarningCode(StrEnum):
    """What a plan warning says; the closed set published in the JSON contract.

    Each code has its own `PlanWarning.params` (times are aware datetimes,
    lengths whole minutes). Occurrence params name what the warning is about:
    ``k`` and ``count`` (the occurrence of a repeated rule, when ``count`` > 1),
    ``anchor`` (``dose``, ``course`` or ``long-arc``), ``dose`` or ``course``
    (its index) and ``before`` (a dose rule whose window opens before the dose).
    """

    LATE = "late"
    """Placed after its window: occurrence params, ``opens``, ``closes``, ``at`` (the time
    taken) and ``miss`` (minutes after the window)."""
    EARLY = "early"
    """Placed before its window: as `LATE`, ``miss`` being minutes before it."""
    NOT_PLANNED = "not-planned"
    """No free time near its window: occurrence params, ``opens``, ``closes``,
    ``direction`` (``later`` or ``earlier``: where it was looked for) and ``days``; ``next``
    when the next dose (that index) came first."""
    COVERED = "covered"
    """The next dose follows too soon for a session between them, so its session covers
    both: occurrence params, ``next`` (that dose) and ``gap`` (minutes between the doses)."""
    MERGED = "merged"
    """No free time for its session before the next dose, so a session after that dose
    covers both: occurrence params, ``next`` (that dose)."""
    SAME_DAY = "same-day"
    """A session shares its client-local day with another session, as nothing else fit:
    occurrence params, ``at`` and ``limit`` (sessions a day the rulebook allows)."""
    CLOSE_SESSIONS = "close-sessions"
    """A session lies within ``days`` days of another session, as nothing else in its
    window fit: occurrence params, ``at`` and ``days``."""
    COURSE_SPLIT = "course-split"
    """A gap only a few days over ``course_gap_days`` started a new course: ``course`` (the
    new course), ``dose`` (its first dose), ``days`` (calendar days since the dose before)
    and ``setting`` (``course_gap_days``); ``days`` would have kept one course."""
    PINNED_MOVED = "pinned-moved"
    """A session moved by hand in the calendar could not stay there (it now overlaps a
    dose or another booking): occurrence params, ``at`` (where it was pinned)."""
    REPEAT_CUT = "repeat-cut"
    """A repeating rule stopped at ``limit`` occurrences."""
    REST_OVERLAPS = "rest-overlaps"
    """No time for rest before the next event: occurrence params."""
    DST_GAP = "dst-gap"
    """A dose's local time does not exist (clocks go forward): ``field``, ``dose`` (a
    series' dose, or absent), ``wall`` (naive, as written), ``zone`` and ``moved`` (the
    time used)."""
    DST_FOLD = "dst-fold"
    """A dose's local time happens twice (clocks go back): ``field``, ``dose``, ``wall``,
    ``zone`` and ``offset`` (the UTC offset of the first, used)."""


#: A value of `PlanWarning.params`.
WarningParam = str | int | bool | datetime


class PlanWarning(Struct, frozen=True):
    """Something the plan could not do as the rules ask, or a correction it made.

    A warning is data, not a sentence: `kapplan.i18n` words it from `code` and
    `params` in the reader's language, with times on the reader's clock. Only
    `title` is text, the title the engine writes for the event it is about.
    """

    code: WarningCode
    """What happened."""
    params: Mapping[str, WarningParam] = field(default_factory=lambda: MappingProxyType({}))
    """The facts the sentence is made of (see `WarningCode`). Treat as read-only."""
    rule: str | None = None
    """Id of the rule concerned, or None for schedule-level notes (e.g. DST)."""
    client: str = ""
    """Label of the client whose plan it is ('' for a single schedule without one)."""
    infusion: int | None = None
    """Index of the dose concerned, if any."""
    event: str | None = None
    """Uid of the event concerned, when one was placed."""
    alternatives: tuple[datetime, ...] = ()
    """For a session placed outside its window: the next free starts after the one
    taken, on other days, for whoever arranges the session by hand."""
    title: str = ""
    """What the plan calls the occurrence it is about, in the plan's language: the title
    its event has, or would have had (placed or not), so a warning names it as the plan
    does and never by rule id; '' for notes about the schedule."""


class Outside(Struct, frozen=True):
    """An event placed outside its window, for the note its description ends with."""

    late: bool
    """True when placed after the window; False when before it."""
    opens: datetime
    """The window's opening, on the clock the note is written in."""
    closes: datetime
    """The window's closing, on the same clock."""
    miss: int
    """How far outside, in whole minutes."""


class EventFacts(Struct, frozen=True):
    """What fills in a rule's title and description for one event (`kapplan.i18n` words it)."""

    infusion: int | None = None
    """The dose it belongs to (``{n}``, ``{dose}``)."""
    method: Method | None = None
    """That dose's method (``{method}``, ``{method_note}``)."""
    covers: tuple[int, ...] = ()
    """Doses a session covers, when more than one (cadence)."""
    weeks_after: int = 0
    """Weekly cadence: whole weeks after its dose, for a week with no dose."""
    course: int | None = None
    """The course it belongs to (``{course}``)."""
    k: int = 1
    """Which occurrence of its rule on its anchor (``{k}``)."""
    count: int = 1
    """How many its rule has there (``{count}``)."""
    minutes: int = 0
    """Its length (``{minutes}``)."""
    week: int = 0
    """Whole weeks from its anchor's day (``{week}``)."""
    month: int = 0
    """Calendar months from its anchor (``{month}``)."""
    outside: Outside | None = None
    """Set when it was placed outside its window."""


class Plan(Struct, frozen=True):
    """A whole integration calendar for one schedule."""

    timezone: str
    """IANA name of the schedule's zone."""
    infusions: tuple[Infusion, ...]
    """The doses, in time order."""
    courses: tuple[Course, ...]
    """The courses, in time order."""
    events: tuple[PlanEvent, ...]
    """Every event, ordered by start, then all-day first, then rule order."""
    warnings: tuple[PlanWarning, ...] = field(default=())
    """Warnings, in the order the engine met them."""
    client: str = ""
    """Label of the person the plan is for ('' when not given)."""
    language: str = "en"
    """Language its texts are written in; renderers label the plan in it too."""

    @property
    def zone(self) -> ZoneInfo:
        """Return the plan's zone."""
        return zone_named(self.timezone)

    @property
    def sessions(self) -> tuple[PlanEvent, ...]:
        """Return the appointments with a therapist."""
        return tuple(e for e in self.events if e.is_session)
