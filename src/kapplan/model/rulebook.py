"""The rulebook as data: one record per rule, each naming its source.

A rule says where its events go relative to an *anchor* (a dose, a course,
the gap between courses, or the time after the last course) and how they are
placed. Windows are written in a small offset language:

``[start:|end:][day]<terms>`` where each term is ``+N`` or ``-N`` followed by a
unit: ``m`` (minutes), ``h`` (hours), ``d`` (days), ``w`` (weeks) or ``mo``
(calendar months). Offsets count from the anchor's start unless ``end:`` says
from its end. Without ``day``, minutes, hours, days and weeks are real elapsed
time, so windows stay right to the hour across a DST change; months move the
wall-clock date. With ``day``, the reference is local midnight of the
reference's date and days move the calendar date: ``day+1d`` is the start of
the next calendar day. ``{name}`` inserts a `[plan]` setting, e.g.
``day+{long_arc_months}mo``.

Examples: ``+24h`` (a day after the dose starts), ``end:+48h`` (48 hours
after it ends), ``-7d``, ``day+3mo+7d``, ``end:day-7d``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, Self

from msgspec import Struct
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from kapplan.model.derived import Derived
from kapplan.model.hours import HourRange, parse_hours
from kapplan.model.plan import EventKind, Method, Phase

#: The rulebook format this kapplan writes; it reads every version from 1 up to this one.
RULEBOOK_VERSION = 1
#: Top-level keys of a rulebook file.
FILE_KEYS = ("version", "extends", "methods", "placement", "sources", "rule")
#: What a rulebook file may extend (`kapplan.edge.rulebook_file`).
EXTENDS = ("default", "none")


def check_version(value: object, current: int = RULEBOOK_VERSION) -> int:
    """Check a rulebook's `version`, saying exactly why one cannot be read.

    Parameters:
        value: The file's `version`.
        current: The newest version this kapplan reads.

    Returns:
        The version, a whole number from 1 to `current`.

    Raises:
        ValueError: For a version that is not a whole number, below 1, or newer
            than `current`.
    """
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected a whole number, e.g. version = {current}")
    if value > current:
        raise ValueError(
            f"written for rulebook version {value}; this kapplan reads versions up to "
            f"{current}; upgrade kapplan"
        )
    if value < 1:
        expected = "1" if current == 1 else f"1 to {current}"
        raise ValueError(f"rulebook version {value} does not exist; expected {expected}")
    return value


def rule_field_error(field: str, message: str, *, item: int | None = None) -> PydanticCustomError:
    """Return the validation error of a rule whose fields disagree, naming the one to fix.

    The loader adds `field` to the error's location (after `item`, when the error is
    raised for the whole list of rules), so the message is located at that key of
    the user's ``[[rule]]``.

    Parameters:
        field: The rule field the message is about.
        message: What is wrong and what was expected.
        item: The 0-based index of the rule, when a validator of the whole rulebook
            raises it.

    Returns:
        The error to raise from a validator.
    """
    context: dict[str, str | int] = {"field": field}
    if item is not None:
        context["item"] = item
    return PydanticCustomError(RULE_FIELD_ERROR, message, context)


#: The pydantic error type of `rule_field_error`.
RULE_FIELD_ERROR = "rule_field"


class Anchor(StrEnum):
    """What a rule's offsets count from."""

    COURSE_START = "course-start"
    """The first dose of each course."""
    INFUSION = "infusion"
    """Each dose."""
    COURSE_END = "course-end"
    """The last dose of each course."""
    COURSE = "course"
    """Each whole course, from its first dose's start to its last dose's end."""
    BETWEEN_COURSES = "between-courses"
    """Each gap: from a course's last dose's end to the next course's first dose."""
    AFTER_LAST_COURSE = "after-last-course"
    """The end of the last dose of the last course."""


class Placement(StrEnum):
    """How a rule's events find their time."""

    FIXED = "fixed"
    """At the window's opening, as long as `minutes` (the dose itself, rest)."""
    SESSION = "session"
    """An appointment with a therapist: inside availability, never overlapping."""
    PRACTICE = "practice"
    """Something the person does alone, inside the rule's own hours."""
    ADVISORY = "advisory"
    """An all-day note covering every local day the window touches."""


class Offset(Struct, frozen=True):
    """A parsed offset: where it counts from, and how far."""

    ref: Literal["start", "end"]
    day: bool
    months: int
    days: int
    minutes: int

    def shifted(self, step: Offset, times: int) -> Offset:
        """Return this offset moved `times` steps of `step` (a repeat's `every`)."""
        return Offset(
            self.ref,
            self.day,
            self.months + step.months * times,
            self.days + step.days * times,
            self.minutes + step.minutes * times,
        )


#: A rule's numbers have ranges, checked when a rulebook is read, before any work
#: (DOMAIN.md: a rule places a few events per dose, of minutes to hours, within the
#: two years a long arc can reach): occurrences per anchor, minutes of one event, and
#: how far an offset reaches in each of its units.
MAX_RULE_COUNT = 20
MAX_RULE_MINUTES = 24 * 60
MAX_OFFSET_MONTHS = 24

_OFFSET = re.compile(r"^(?:(start|end):)?(day)?((?:[+-]\d+(?:mo|m|h|d|w))+)$")
_TERM = re.compile(r"([+-])(\d+)(mo|m|h|d|w)")
_UNIT_MINUTES = {"m": 1, "h": 60}
_UNIT_DAYS = {"d": 1, "w": 7}


def parse_offset(text: str) -> Offset:
    """Parse an offset such as ``end:day+7d`` (see the module docstring).

    Parameters:
        text: The offset, with any ``{setting}`` already filled in.

    Returns:
        The parsed offset.

    Raises:
        ValueError: When the text is not an offset.
    """
    text = text.replace(" ", "")
    if text[:1].isdigit():
        text = "+" + text  # A step such as `every = "14d"` reads as +14d.
    match = _OFFSET.match(text)
    if not match:
        raise ValueError(
            f"cannot read offset {text!r}; expected e.g. +24h, -7d, end:+48h, day+1d, day+3mo"
        )
    ref, day, terms = match.groups()
    months = days = minutes = 0
    for sign, number, unit in _TERM.findall(terms):
        value = int(number) * (-1 if sign == "-" else 1)
        if unit == "mo":
            months += value
        elif unit in _UNIT_DAYS:
            days += value * _UNIT_DAYS[unit]
        else:
            minutes += value * _UNIT_MINUTES[unit]
    if (
        abs(months) > MAX_OFFSET_MONTHS
        or abs(days) > 31 * MAX_OFFSET_MONTHS
        or (abs(minutes) > 31 * MAX_OFFSET_MONTHS * 24 * 60)
    ):
        raise ValueError(
            f"offset {text!r} reaches more than {MAX_OFFSET_MONTHS} months; "
            "expected a nearer offset"
        )
    if day and minutes:
        raise ValueError(
            f"offset {text!r} mixes 'day' with hours or minutes; expected days, weeks, months"
        )
    return Offset("end" if ref == "end" else "start", bool(day), months, days, minutes)


_SETTING = re.compile(r"\{(\w+)\}")


def _setting_names(value: str) -> set[str]:
    return set(_SETTING.findall(value))


#: Settings a rule may refer to as ``{name}``: the `[plan]` fields, plus
#: ``dose_minutes`` (the length of the anchoring dose) in `minutes`.
SETTINGS = frozenset(
    {"session_minutes", "prep_sessions", "course_gap_days", "long_arc_months", "dose_minutes"}
)

#: Placeholders a rule's texts may use, filled in per event.
TEXT_FIELDS = frozenset(
    {"n", "dose", "k", "count", "course", "method", "method_note", "minutes", "week", "month"}
)


def check_template(template: str) -> None:
    """Check a text template from a user's file: only the documented placeholders, plainly.

    A template is filled in with `str.format`, which would follow attributes and
    indexes (``{dose.__class__}``) and pad to any width (``{k:>999999999}``: gigabytes).
    So a field is a bare name of `TEXT_FIELDS`, without conversion, with no format
    spec but ``plural:`` word forms (``{n:plural:day|days}``, see `kapplan.i18n`).

    Parameters:
        template: The text as written.

    Raises:
        ValueError: One sentence naming the first field that is not allowed.
    """
    expected = "expected one of " + ", ".join("{" + name + "}" for name in sorted(TEXT_FIELDS))
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in _FORMATTER.parse(template)
            if name is not None
        ]
    except ValueError as problem:
        raise ValueError(
            f"cannot read the template: {problem}; write {{{{ and }}}} for braces, {expected}"
        ) from None
    for name, spec, conversion in fields:
        if name not in TEXT_FIELDS:
            raise ValueError(f"unknown placeholder {{{name}}}; {expected}")
        if conversion or (spec and (not spec.startswith("plural:") or "{" in spec)):
            written = "{" + name + (f"!{conversion}" if conversion else "")
            written += (f":{spec}" if spec else "") + "}"
            raise ValueError(
                f"placeholder {written} has a conversion or format; expected a bare "
                "{name}, or {name:plural:form|forms}"
            )


_FORMATTER = string.Formatter()


def _check_offset(value: str) -> str:
    names = _setting_names(value)
    unknown = names - SETTINGS
    if unknown:
        raise ValueError(
            f"unknown setting {{{sorted(unknown)[0]}}}; expected one of "
            + ", ".join("{" + name + "}" for name in sorted(SETTINGS))
        )
    sample = _SETTING.sub("1", value)
    parse_offset(sample)
    return value


def _check_amount(value: object) -> object:
    if isinstance(value, str):
        match = re.fullmatch(r"\{(\w+)\}", value.strip())
        if not match or match.group(1) not in SETTINGS:
            raise ValueError(
                f"cannot read {value!r}; expected a whole number or one of "
                + ", ".join("{" + s + "}" for s in sorted(SETTINGS))
            )
    return value


OffsetText = Annotated[
    str, BeforeValidator(lambda v: _check_offset(v) if isinstance(v, str) else v)
]
Amount = Annotated[int | str, BeforeValidator(_check_amount)]

# Built when first used (`defer_build`): a run with kapplan's own rulebook builds it
# with `shipped_rulebook`, and never needs the rule models' validators.
_STRICT = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Rule(BaseModel):
    """One rule of the rulebook."""

    model_config = _STRICT

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$", description="Unique id, e.g. integration-session."
    )
    kind: EventKind = Field(description="What the events are.")
    phase: Phase = Field(description="preparation | experience | integration.")
    anchor: Anchor = Field(description="What the offsets count from.")
    placement: Placement = Field(description="fixed | session | practice | advisory.")
    opens: OffsetText = Field(default="+0m", description="Window opening (offset).")
    closes: OffsetText | None = Field(default=None, description="Window closing (offset).")
    fit: Literal["start", "whole"] = Field(
        default="start", description="start: the event starts in the window; whole: it fits in it."
    )
    prefer: Literal["earliest", "latest"] = Field(
        default="earliest", description="Where in the window to place the event."
    )
    overflow: Literal["later", "earlier"] = Field(
        default="later",
        description="Where to look when the window cannot be met (the event is then flagged).",
    )
    hours: str = Field(
        default="availability",
        description="'availability' (the schedule's) or HH:MM-HH:MM on any day, for practices.",
    )
    minutes: Amount = Field(default=0, description="Length in minutes, or a {setting}.")
    count: Amount = Field(default=1, description="Occurrences per anchor, or a {setting}.")
    every: OffsetText | None = Field(default=None, description="Step between occurrences' windows.")
    until: OffsetText | None = Field(
        default=None, description="Repeat `every` while an occurrence's window closes by this."
    )
    per_day: int | None = Field(
        default=None, ge=1, le=24, description="At most this many a local day."
    )
    spread: bool = Field(
        default=False,
        description="Occurrences sharing one window aim at evenly spaced days of it (the "
        "k-th of n at opens + (k-1)/n of its width), each still anywhere in the window.",
    )
    apart_days: int | None = Field(
        default=None,
        ge=1,
        le=14,
        description="Sessions only: not within this many days after another session of the "
        "client, unless nothing else fits (then warned).",
    )
    avoid_dose_days: bool = Field(default=False, description="Never on a local day with a dose.")
    follows_cadence: bool = Field(default=False, description="Thinned by [plan] cadence.")
    clip: bool = Field(default=False, description="Fixed only: end early rather than overlap.")
    merge: bool = Field(default=False, description="Advisory only: join overlapping days.")
    enabled: bool = Field(default=True, description="False switches the rule off.")
    title: str = Field(min_length=1, description="Title template.")
    description: str = Field(default="", description="What to do (template).")
    why: str = Field(default="", description="Why the event is there.")
    prompts: tuple[str, ...] = Field(
        default=(), description="Journaling prompts, listed in the event."
    )
    source: tuple[str, ...] = Field(
        min_length=1,
        description="Where the rule comes from: ids of the rulebook's [sources.<id>] tables.",
    )

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        if value != "availability":
            parse_hours(value)
        return value

    @field_validator("title", "description", "why")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        check_template(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Check the fields that only make sense together."""
        timed = self.placement in (Placement.SESSION, Placement.PRACTICE, Placement.ADVISORY)
        if timed and self.closes is None:
            raise rule_field_error("closes", f"a {self.placement} rule needs 'closes'")
        if self.placement is not Placement.ADVISORY and self.minutes in (0, "0"):
            raise rule_field_error("minutes", "needs 'minutes' greater than 0")
        if isinstance(self.minutes, int) and self.minutes < 0:
            raise rule_field_error(
                "minutes", f"minutes is {self.minutes}; expected a positive number"
            )
        if isinstance(self.minutes, int) and self.minutes > MAX_RULE_MINUTES:
            raise rule_field_error(
                "minutes",
                f"minutes is {self.minutes}; expected at most {MAX_RULE_MINUTES} (a day)",
            )
        if isinstance(self.count, int) and self.count < 1:
            raise rule_field_error("count", f"count is {self.count}; expected 1 or more")
        if isinstance(self.count, int) and self.count > MAX_RULE_COUNT:
            raise rule_field_error(
                "count",
                f"count is {self.count}; expected at most {MAX_RULE_COUNT} occurrences per anchor",
            )
        if self.apart_days is not None and self.placement is not Placement.SESSION:
            raise rule_field_error("apart_days", "apart_days is for session rules only")
        if self.spread and self.every is not None:
            raise rule_field_error(
                "spread", "spread keeps one window for every occurrence; expected no 'every'"
            )
        if self.until is not None and self.every is None:
            raise rule_field_error("until", "'until' needs 'every'")
        if self.every is not None:
            step = parse_offset(_SETTING.sub("1", self.every))
            if step.ref == "end" or step.day or _span(step, longest=False) <= 0:
                raise rule_field_error(
                    "every",
                    f"every is {self.every!r}; expected a positive step such as 14d or 1mo",
                )
        if self.closes is not None and not _SETTING.search(self.opens + self.closes):
            opens, closes = parse_offset(self.opens), parse_offset(self.closes)
            width = Offset(
                "start",
                False,
                closes.months - opens.months,
                closes.days - opens.days,
                closes.minutes - opens.minutes,
            )
            if opens.ref == closes.ref and opens.day == closes.day and _span(width) <= 0:
                raise rule_field_error(
                    "closes",
                    f"the window closes ({self.closes}) before it opens ({self.opens}); "
                    "expected closes after opens",
                )
        return self


def _span(offset: Offset, *, longest: bool = True) -> int:
    """Return an offset's longest (or shortest) length in minutes, months being 28-31 days.

    Months and days cannot be compared term by term: +1mo is shorter than +40d.
    """
    month = (31 if longest else 28) if offset.months >= 0 else (28 if longest else 31)
    return (offset.months * month + offset.days) * 24 * 60 + offset.minutes


class PlacementSettings(Derived, BaseModel):
    """The ``[placement]`` table: how sessions are spread around doses and days;
    ``kapplan rules`` gives each setting's reason."""

    model_config = _STRICT

    sessions_per_day: int = Field(
        default=1,
        ge=1,
        le=8,
        description="At most this many therapy sessions a client-local day; more only when "
        "nothing else fits, and then warned.",
    )
    dose_buffer_minutes: int = Field(
        default=60,
        ge=0,
        le=24 * 60,
        description="A therapy session ends at least this long before a dose starts; on a "
        "dose day none comes before the dose.",
    )
    client_hours: str = Field(
        default="09:00-20:00",
        description="A client's waking hours for sessions (their own clock, every day) when "
        "their schedule has no [availability] and a therapist's hours decide.",
    )

    @field_validator("client_hours")
    @classmethod
    def _client_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @cached_property
    def client_ranges(self) -> tuple[HourRange, ...]:
        """Return `client_hours` parsed."""
        return parse_hours(self.client_hours)


#: A source id: lower-case letters, digits and hyphens (``000``, ``label``, ``smith-2023``).
SOURCE_ID = r"^[a-z0-9][a-z0-9-]*$"
_URL = re.compile(r"^(?:https?://\S+|doi:\S+|10\.\d{4,9}/\S+)$")


class Source(BaseModel):
    """A document rules come from: a ``[sources.<id>]`` table, cited by a rule's `source`."""

    model_config = _STRICT

    title: str = Field(min_length=1, description="The document's title, as it gives it.")
    author: str = Field(
        default="", description="Its authors or organisation, when the document names them."
    )
    year: int | None = Field(
        default=None, ge=1000, le=9999, description="Its year, when the document gives one."
    )
    url: str = Field(
        default="",
        description="Where to read it: an http(s) address or a DOI (doi:10.… or 10.…), when known.",
    )
    note: str = Field(default="", description="What the document is, when its title does not say.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not _URL.match(value):
            raise ValueError(
                f"cannot read {value!r} as an address; expected https://…, doi:10.… or 10.…/…"
            )
        return value

    @property
    def name(self) -> str:
        """Return how a reader is shown the source: ``Author Year, Title``, or its title.

        Returns:
            E.g. ``Dr. Ben Soffer, How to Make Ketamine Therapy Results Last: …``.
        """
        return self.named(self.title, self.author)

    def named(self, title: str, author: str) -> str:
        """Return the source's name with its title and author as given (e.g. translated).

        Parameters:
            title: The title to show.
            author: The author to show ('' for none).

        Returns:
            ``Author Year, Title``, or the title alone when the source names no
            author or year.
        """
        who = " ".join(part for part in (author, str(self.year or "")) if part)
        return f"{who}, {title}" if who else title


class MethodText(BaseModel):
    """How a method is named in titles and what its dose block says."""

    model_config = _STRICT

    label: str = Field(min_length=1)
    note: str = ""


class Rulebook(Derived, BaseModel):
    """A whole rulebook: version, method texts and rules in placement order."""

    model_config = _STRICT

    version: int = Field(description="Rulebook format version.")
    methods: dict[Method, MethodText] = Field(description="Labels and notes per method.")
    placement: PlacementSettings = Field(
        default_factory=PlacementSettings,
        description="How sessions are spread around doses and days.",
    )
    sources: dict[str, Source] = Field(
        default_factory=dict,
        description="The documents the rules come from, by the id a rule's `source` cites.",
    )
    rule: tuple[Rule, ...] = Field(description="The rules.")

    @field_validator("version")
    @classmethod
    def _version(cls, value: int) -> int:
        # Older versions are migrated by the loader (kapplan.edge.rulebook_file.migrate) before
        # validation; a model is always of the current version.
        if check_version(value) != RULEBOOK_VERSION:
            raise ValueError(
                f"rulebook version {value} needs migrating first; expected {RULEBOOK_VERSION}"
            )
        return value

    @field_validator("methods")
    @classmethod
    def _all_methods(cls, value: dict[Method, MethodText]) -> dict[Method, MethodText]:
        missing = [m.value for m in Method if m not in value]
        if missing:
            raise ValueError(f"no text for method {missing[0]!r}; expected [methods.{missing[0]}]")
        return value

    @field_validator("sources")
    @classmethod
    def _source_ids(cls, value: dict[str, Source]) -> dict[str, Source]:
        for key in value:
            if not re.match(SOURCE_ID, key):
                raise ValueError(
                    f"source id {key!r} is not an id; expected lower-case letters, digits and "
                    "hyphens, e.g. [sources.smith-2023]"
                )
        return value

    @field_validator("rule")
    @classmethod
    def _unique(cls, value: tuple[Rule, ...]) -> tuple[Rule, ...]:
        seen: set[str] = set()
        for rule in value:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice; expected unique ids")
            seen.add(rule.id)
        return value

    @model_validator(mode="after")
    def _cited(self) -> Self:
        """Check that every source a rule cites is one of `sources`."""
        known = ", ".join(sorted(self.sources)) or "none"
        for index, rule in enumerate(self.rule):
            for cited in rule.source:
                if cited not in self.sources:
                    raise rule_field_error(
                        "source",
                        f"cites source {cited!r}, which the rulebook does not have; expected "
                        f"one of {known}, or a [sources.{cited}] table with its title",
                        item=index,
                    )
        return self

    def cited(self, rule: Rule) -> tuple[Source, ...]:
        """Return the documents a rule cites, in its order.

        Parameters:
            rule: One of the rulebook's rules.

        Returns:
            The sources.
        """
        return tuple(self.sources[cited] for cited in rule.source)

    @cached_property
    def active(self) -> tuple[Rule, ...]:
        """Return the enabled rules, in file order."""
        return tuple(r for r in self.rule if r.enabled)


#: The rule fields `shipped_rulebook` reads as enums (the others are as TOML gives them,
#: lists as tuples).
_RULE_ENUMS: dict[str, type[StrEnum]] = {
    "kind": EventKind,
    "phase": Phase,
    "anchor": Anchor,
    "placement": Placement,
}


def shipped_rulebook(data: Mapping[str, Any]) -> Rulebook:
    """Build a rulebook from a parsed file known to be valid, without validating it again.

    For kapplan's own rulebook only: a run that uses it then never builds the
    rule models' validators (about 20 ms of every plan's start-up). The test suite
    validates that file as any other, and checks that this builds the same rulebook
    (``tests/test_rulebooks.py::TestShipped``); a file that might be wrong goes
    through `Rulebook.model_validate`.

    Parameters:
        data: The parsed TOML of a whole rulebook of the current version.

    Returns:
        The rulebook, equal to the one `Rulebook.model_validate` gives.
    """
    rules = []
    for rule in data["rule"]:
        fields: dict[str, Any] = {key: _rule_value(key, value) for key, value in rule.items()}
        rules.append(Rule.model_construct(**fields))
    given: dict[str, Any] = {
        "version": data["version"],
        "methods": {
            Method(key): MethodText.model_construct(**text) for key, text in data["methods"].items()
        },
        "rule": tuple(rules),
    }
    if "placement" in data:
        given["placement"] = PlacementSettings.model_construct(**data["placement"])
    if "sources" in data:
        given["sources"] = {
            key: Source.model_construct(**source) for key, source in data["sources"].items()
        }
    return Rulebook.model_construct(**given)


def _rule_value(key: str, value: Any) -> Any:
    """Return a rule field's TOML value as validation gives it: an enum, or a list as a tuple."""
    if key in _RULE_ENUMS:
        return _RULE_ENUMS[key](value)
    return tuple(value) if isinstance(value, list) else value


#: Where a rule of a laid-over rulebook came from, as `kapplan rules` shows it.
Origin = Literal["default", "changed", "new"]


def rule_origins(rulebook: Rulebook, defaults: Rulebook) -> dict[str, Origin]:
    """Say, for each rule, whether it is kapplan's default, changed, or new.

    Parameters:
        rulebook: The rules in force.
        defaults: kapplan's default rulebook.

    Returns:
        The origin of every rule, by id.
    """
    known = {rule.id: rule for rule in defaults.rule}
    origins: dict[str, Origin] = {}
    for rule in rulebook.rule:
        default = known.get(rule.id)
        origins[rule.id] = "new" if default is None else "default" if rule == default else "changed"
    return origins


def session_kinds(rulebook: Rulebook) -> frozenset[EventKind]:
    """Return the kinds of events the rulebook places as therapy sessions.

    Parameters:
        rulebook: The rulebook.

    Returns:
        The kinds (sessions carry reminders in a calendar, as doses do).
    """
    return frozenset(rule.kind for rule in rulebook.rule if rule.placement is Placement.SESSION)
