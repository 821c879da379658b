"""Every user-facing text of kapplan, per language, read from data files.

Each language is one TOML file, ``kapplan/data/i18n/<code>.toml``: a
``[meta]`` table (its code, its own name and its plural rule), then tables of
messages and lists. Nested tables flatten to dotted keys, so ``[warning] late``
is the message ``warning.late`` and ``[rule.journaling] prompts`` the list
``rule.journaling.prompts``. Every language file has the same keys.

Messages are `str.format` templates. ``{name}`` inserts a parameter, with the
usual format spec (``{day:02}``, ``{wall:%H:%M}`` for a datetime), and
``{n:plural:form|form|...}`` inserts the word form for the number ``n`` (only
the word: write ``{n} {n:plural:day|days}``). A language's plural rule says how
many forms it takes and in which order:

``one-other``
    English and most Western European languages: 1 day, 2 days.
``one-few-many``
    Russian (and Ukrainian, Belarusian): 1, 21, 101 день; 2–4, 22–24 дня;
    0, 5–20, 25–30, 111 дней.
``other``
    Languages without grammatical number: one form.

Dates are built from the language's own month and weekday names, never from
the process locale (which is global, and whose Russian data may not be
installed). Date templates may use ``weekday``, ``weekday_abbr``, ``day``,
``month``, ``month_abbr``, ``month_genitive`` and ``year``; the date-and-time
template also ``hour`` and ``minute``.

Rule and method texts are keyed by rule id and method. A translation is used
only while the rule's own text is still kapplan's English original: a custom
rule, or a default rule whose text a user rewrote, keeps its own words.

This module holds all of kapplan's wording: an event's title and description
are written here from its rule and `EventFacts` (`Catalogue.event_text`), and
a plan warning, which is a code and its facts, is said here in the reader's
language and on the reader's clock (`Catalogue.warning_text`).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal
from zoneinfo import ZoneInfo

from msgspec import Struct

from kapplan.errors import KapplanError
from kapplan.model.fields import LANGUAGES
from kapplan.model.plan import EventFacts, PlanWarning, WarningCode

if TYPE_CHECKING:
    from kapplan.model.rulebook import MethodText, Rule
#: The language of a schedule that names none, and of the default rulebook.
DEFAULT_LANGUAGE: Final = "en"
#: Styles `Catalogue.format_date` knows, each a ``date.<style>`` message.
DATE_STYLES: Final = ("short", "long", "week")
#: Rule texts a catalogue holds for each of kapplan's rules: ``name`` is how a
#: warning without an event title names the rule (`Catalogue.rule_name`); the
#: others are the rulebook's texts, which `Catalogue.rule_text` translates.
RULE_FIELDS: Final = ("name", "title", "description", "why")
#: Parameters a ``date.*`` template may use.
DATE_FIELDS: Final = frozenset(
    (
        "weekday",
        "weekday_abbr",
        "day",
        "month",
        "month_abbr",
        "month_genitive",
        "year",
        "hour",
        "minute",
    )
)

DateStyle = Literal["short", "long", "week"]
RuleField = Literal["name", "title", "description", "why"]


def _one_other(n: int) -> int:
    return 0 if n == 1 else 1


def _one_few_many(n: int) -> int:
    # CLDR's integer rule for Russian: 1, 21, 101 take "one"; 2-4, 22-24 "few";
    # the rest, 11-14 included, "many".
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def _other(n: int) -> int:
    return 0


#: Plural rules by name: the number of forms, and which form a count takes.
PLURAL_RULES: Final[Mapping[str, tuple[int, Callable[[int], int]]]] = MappingProxyType(
    {
        "one-other": (2, _one_other),
        "one-few-many": (3, _one_few_many),
        "other": (1, _other),
    }
)

_PLURAL_SPEC = "plural:"
_LIST_KEYS: Final = {
    "calendar.weekdays": 7,
    "calendar.weekdays_abbr": 7,
    "calendar.months": 12,
    "calendar.months_abbr": 12,
    "calendar.months_genitive": 12,
}


class _Formatter(string.Formatter):
    """`str.format` with the ``plural:`` format spec."""

    def __init__(self, choose: Callable[[int, Sequence[str]], str]) -> None:
        super().__init__()
        self.choose = choose

    def format_field(self, value: Any, format_spec: str) -> Any:
        """Format one field; a ``plural:`` spec picks a word form for an int."""
        if format_spec.startswith(_PLURAL_SPEC):
            return self.choose(value, format_spec.removeprefix(_PLURAL_SPEC).split("|"))
        return super().format_field(value, format_spec)


_FIELDS = string.Formatter()


@lru_cache(maxsize=4096)
def _compiled(
    template: str,
) -> tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...] | None]:
    """Split a template into a `str.format` template and its ``plural:`` fields.

    Each plural field becomes a parameter named ``plural N`` (a name no keyword
    argument can have) whose value `Catalogue.format` picks, so the rest is
    filled in by `str.format_map`, in C, with the same result as `_Formatter`:
    most messages are formatted thousands of times in a caseload.

    Returns:
        The plain template and the plural fields as (parameter, field, forms);
        None for the fields when a plural spec holds a nested field, which only
        `_Formatter` can fill.
    """
    pieces: list[str] = []
    plurals: list[tuple[str, str, tuple[str, ...]]] = []
    for literal, field, spec, conversion in _FIELDS.parse(template):
        pieces.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if spec and spec.startswith(_PLURAL_SPEC):
            if "{" in spec or conversion:
                return template, None
            name = f"plural {len(plurals)}"
            plurals.append((name, field, tuple(spec.removeprefix(_PLURAL_SPEC).split("|"))))
            pieces.append("{" + name + "}")
            continue
        pieces.append(
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
    return "".join(pieces), tuple(plurals)


def placeholders(template: str) -> frozenset[str]:
    """Return the names of the parameters a message uses.

    Parameters:
        template: A message template.

    Returns:
        The top-level parameter names (``{a.b}`` and ``{a[0]}`` count as ``a``).

    Raises:
        ValueError: When the template is not valid `str.format` syntax.
    """
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return frozenset(names)


def plural_specs(template: str) -> list[list[str]]:
    """Return the word forms of every ``plural:`` spec in a message.

    Parameters:
        template: A message template.

    Returns:
        One list of forms per plural field, in order.

    Raises:
        ValueError: When the template is not valid `str.format` syntax.
    """
    return [
        spec.removeprefix(_PLURAL_SPEC).split("|")
        for _, field, spec, _ in string.Formatter().parse(template)
        if field is not None and spec and spec.startswith(_PLURAL_SPEC)
    ]


class Catalogue(Struct, frozen=True, eq=False):
    """One language's texts: messages, lists, plural rule and calendar names.

    Catalogues are compared and hashed by identity: `catalogue` returns one per
    language.
    """

    language: str
    """The language code, e.g. ``ru``."""
    name: str
    """The language's name in itself, e.g. ``Русский``."""
    plural_rule: str
    """A key of `PLURAL_RULES`."""
    messages: Mapping[str, str]
    """Message templates by dotted key."""
    lists: Mapping[str, tuple[str, ...]]
    """Lists of texts by dotted key (calendar names, prompts, discreet words)."""

    # -- messages --------------------------------------------------------------

    def text(self, key: str, /, **params: object) -> str:
        """Return a message with its parameters filled in.

        Parameters:
            key: The dotted key, e.g. ``warning.late``.
            **params: Values for the message's placeholders.

        Returns:
            The message in this language.

        Raises:
            KeyError: When the catalogue has no such message (a bug: every
                language has every key, which the tests check).
        """
        try:
            template = self.messages[key]
        except KeyError:
            raise KeyError(f"no message {key!r} in the {self.language!r} catalogue") from None
        return self.format(template, **params)

    def format(self, template: str, /, **params: object) -> str:
        """Fill in a template that may use the ``plural:`` spec, e.g. a rule's title.

        Parameters:
            template: The template.
            **params: Values for its placeholders.

        Returns:
            The filled-in text.
        """
        plain, plurals = _compiled(template)
        if plurals is None:
            return _Formatter(self.plural).vformat(template, (), params)
        if plurals:
            params = dict(params)
            for name, field, forms in plurals:
                params[name] = self.plural(_FIELDS.get_field(field, (), params)[0], forms)
        return plain.format_map(params)

    def plural(self, n: int, forms: Sequence[str]) -> str:
        """Pick the word form for a count.

        Parameters:
            n: The count.
            forms: One form per category of this language's plural rule, in
                its order (English: one, other; Russian: one, few, many).

        Returns:
            The form `n` takes.

        Raises:
            TypeError: When `n` is not an int.
            ValueError: When the number of forms does not fit the rule.
        """
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"a plural needs an int count, not {n!r}")
        size, choose = PLURAL_RULES[self.plural_rule]
        if len(forms) != size:
            raise ValueError(
                f"{self.plural_rule} plurals take {size} forms; got {len(forms)}: {list(forms)}"
            )
        return forms[choose(n)]

    def join(self, items: Iterable[object]) -> str:
        """Join items as a list in running text: ``1, 2 and 3``.

        Parameters:
            items: The items (at least one), each shown with `str`.

        Returns:
            The list as text.
        """
        texts = [str(item) for item in items]
        if len(texts) < 2:
            return "".join(texts)
        head = self.messages["list.separator"].join(texts[:-1])
        return head + self.messages["list.final"] + texts[-1]

    def join_plain(self, items: Iterable[object]) -> str:
        """Join items with the list separator alone: ``2/3, after dose 1``.

        Parameters:
            items: The items, each shown with `str`.

        Returns:
            The items as text.
        """
        return self.messages["list.separator"].join(str(item) for item in items)

    def doses(self, indices: Sequence[int]) -> str:
        """Name one dose or several, as a rule's ``{dose}`` placeholder says it.

        In Russian the phrase is in the genitive (``приёма 3``, ``приёмов 1 и
        2``), so rule texts put it after «до» or «после».

        Parameters:
            indices: The doses' 1-based indices (at least one).

        Returns:
            ``dose 3`` or ``doses 1 and 2`` in this language.
        """
        if len(indices) == 1:
            return self.text("text.dose_one", n=indices[0])
        return self.text("text.dose_many", list=self.join(indices))

    # -- rules and methods -------------------------------------------------------

    def rule_text(self, rule_id: str, field: RuleField, default: str) -> str:
        """Return a rule's text in this language, or its own text.

        Parameters:
            rule_id: The rule's id.
            field: Which text: ``title``, ``description`` or ``why`` (``name``,
                which the rulebook does not have, is `rule_name`'s).
            default: The rule's own text.

        Returns:
            The translation while `default` is kapplan's English original for
            that rule; otherwise `default` (a custom or rewritten rule).
        """
        return self._translated(f"rule.{rule_id}.{field}", default)

    def rule_prompts(self, rule_id: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """Return a rule's journaling prompts in this language, or its own.

        Parameters:
            rule_id: The rule's id.
            default: The rule's own prompts.

        Returns:
            The translated prompts while `default` is kapplan's English
            original; otherwise `default`.
        """
        key = f"rule.{rule_id}.prompts"
        if catalogue(DEFAULT_LANGUAGE).lists.get(key) != default:
            return default
        return self.lists.get(key, default)

    def method_label(self, method: str, default: str) -> str:
        """Return how a dose method is named in titles, in this language.

        Parameters:
            method: The method, e.g. ``iv``.
            default: The rulebook's label.

        Returns:
            The translation while `default` is the English original; else `default`.
        """
        return self._translated(f"method.{method}.label", default)

    def source_text(self, source_id: str, field: Literal["title", "author"], default: str) -> str:
        """Return the title or author of one of the rulebook's sources, in this language.

        Parameters:
            source_id: The source's id, e.g. ``001``.
            field: ``title`` or ``author``.
            default: The rulebook's text.

        Returns:
            kapplan's translation while `default` is the default rulebook's original
            (a document's own title, in the English catalogue); else `default`.
        """
        return self._translated(f"source.{source_id}.{field}", default)

    def method_note(self, method: str, default: str) -> str:
        """Return what a dose block says about its method, in this language.

        Parameters:
            method: The method, e.g. ``esketamine``.
            default: The rulebook's note.

        Returns:
            The translation while `default` is the English original; else `default`.
        """
        return self._translated(f"method.{method}.note", default)

    def _translated(self, key: str, default: str) -> str:
        if catalogue(DEFAULT_LANGUAGE).messages.get(key) != default:
            return default
        return self.messages.get(key, default)

    # -- events and warnings -------------------------------------------------------

    def event_text(
        self, rule: Rule, method: MethodText | None, facts: EventFacts
    ) -> tuple[str, str, tuple[str, ...]]:
        """Write an event's title, description and journaling prompts.

        Parameters:
            rule: The rule that made it (its templates, translated while they
                are kapplan's originals).
            method: The rulebook's text for the dose's method, if it has a dose.
            facts: What fills the templates in.

        Returns:
            The title; the description (what to do, the prompts, doses covered,
            a week without a dose, why, and a note when placed outside its
            window, as paragraphs); and the prompts.
        """
        values = {
            "n": self.join(facts.covers) if facts.covers else (facts.infusion or ""),
            "dose": (
                self.doses(facts.covers or (facts.infusion,)) if facts.infusion is not None else ""
            ),
            "k": facts.k,
            "count": facts.count,
            "course": facts.course if facts.course is not None else "",
            "method": (
                self.method_label(facts.method, method.label) if facts.method and method else ""
            ),
            "method_note": (
                self.method_note(facts.method, method.note) if facts.method and method else ""
            ),
            "minutes": facts.minutes,
            "week": facts.week,
            "month": facts.month,
        }

        def text(field: Literal["title", "description", "why"]) -> str:
            return self.format(self.rule_text(rule.id, field, getattr(rule, field)), **values)

        parts = [text("description")]
        prompts = self.rule_prompts(rule.id, rule.prompts)
        if prompts:
            parts.append("\n".join(f"- {p}" for p in prompts))
        if facts.covers:
            parts.append(self.text("text.covers", doses=self.join(facts.covers)))
        if facts.weeks_after:
            parts.append(self.text("text.weekly_gap"))
        if rule.why:
            parts.append(self.text("text.why", why=text("why")))
        if facts.outside is not None:
            outside = facts.outside
            parts.append(
                self.text(
                    "note.outside_late" if outside.late else "note.outside_early",
                    window=self._span(outside.opens, outside.closes),
                    miss=self.format_duration(outside.miss),
                )
            )
        return text("title"), "\n\n".join(p for p in parts if p), prompts

    def subject(self, rule: Rule, method: MethodText | None, facts: EventFacts) -> str:
        """Name an occurrence for a warning as the plan titles its event.

        The title alone, when it says which occurrence it is; otherwise followed
        by what it does not say, as a title would: its ordinal, its dose or its
        course (``Mindfulness practice (2/3, after dose 1)``).

        Parameters:
            rule: The rule the occurrence is of.
            method: The rulebook's text for its dose's method, if it has a dose.
            facts: What its texts are made of (no `EventFacts.outside`).

        Returns:
            The name, in this language.
        """
        title = self.event_text(rule, method, facts)[0]
        said = placeholders(self.rule_text(rule.id, "title", rule.title))
        context = []
        # A title that counts its events, or dates them in weeks or months, tells them apart.
        if facts.count > 1 and not said & {"k", "week", "month"}:
            context.append(self.text("what.context_ordinal", k=facts.k, count=facts.count))
        if facts.infusion is not None and not said & {"dose", "n"}:
            before = rule.opens.startswith("-")  # as `occurrence_params` tells it
            dose = self.doses(facts.covers or (facts.infusion,))
            context.append(self.text(f"what.context_{'before' if before else 'after'}", dose=dose))
        elif facts.infusion is None and facts.course is not None and "course" not in said:
            context.append(self.text("what.context_course", course=facts.course))
        if not context:
            return title
        return self.text("what.titled", title=title, context=self.join_plain(context))

    def warning_text(
        self,
        warning: PlanWarning,
        zone: ZoneInfo,
        *,
        with_field: bool = True,
        own_zone: ZoneInfo | None = None,
    ) -> str:
        """Say a plan warning in this language, its times on a clock.

        Parameters:
            warning: The warning (a code and its params).
            zone: The clock its times are shown on: the view's (the plan's zone,
                or a caseload's therapist's).
            with_field: For a note on a dose's local time, start with the field
                it came from (``infusion[2].at: ...``); False leaves it to the
                caller (a report that names fields apart).
            own_zone: The zone of the client the warning is about, when it may
                differ from `zone`: the time a session was given is then also
                said on the client's clock, with that zone's abbreviation
                (``Mon 04 Jan 2027 09:00 (12:00 MSK)``). A note on a dose's
                local time names its zone itself.

        Returns:
            One sentence.
        """
        p, code = warning.params, warning.code
        if code is WarningCode.DST_GAP or code is WarningCode.DST_FOLD:
            if code is WarningCode.DST_GAP:
                body = self.text("note.dst_gap", wall=p["wall"], zone=p["zone"], moved=p["moved"])
            else:
                body = self.text(
                    "note.dst_fold", wall=p["wall"], zone=p["zone"], offset=p["offset"]
                )
            if not with_field:
                return body
            where = (
                p["field"]
                if "dose" not in p
                else self.text("note.series_dose", field=p["field"], n=p["dose"])
            )
            return f"{where}: {body}"
        if code is WarningCode.COURSE_SPLIT:
            return self.text(
                "warning.course_split",
                dose=p["dose"],
                days=p["days"],
                course=p["course"],
                setting=p["setting"],
                name="course_gap_days",
            )
        rule = warning.rule or ""
        if code is WarningCode.REPEAT_CUT:
            name = warning.title or self.rule_name(rule)
            return self.text("warning.repeat_cut", name=name, limit=p["limit"])
        what = warning.title or self._what(rule, p)
        if code is WarningCode.COVERED:
            return self.text(
                "warning.covered", what=what, next=p["next"], gap=self._minutes(p["gap"])
            )
        if code is WarningCode.REST_OVERLAPS:
            return self.text("warning.rest_overlaps", what=what)
        if code is WarningCode.MERGED:
            return self.text("warning.merged", what=what, next=p["next"])
        if code in (WarningCode.SAME_DAY, WarningCode.CLOSE_SESSIONS, WarningCode.PINNED_MOVED):
            return self.text(
                f"warning.{code.value.replace('-', '_')}",
                what=what,
                when=self.format_datetime(_moment(p["at"], zone)),
                limit=p.get("limit", 1),
                days=p.get("days", 1),
            )
        window = self._span(_moment(p["opens"], zone), _moment(p["closes"], zone))
        if code is WarningCode.NOT_PLANNED:
            if "next" in p:
                return self.text(
                    "warning.not_planned_before", what=what, window=window, next=p["next"]
                )
            return self.text(
                f"warning.not_planned_{p['direction']}", what=what, window=window, days=p["days"]
            )
        at = _moment(p["at"], zone)
        when = self.format_datetime(at)
        if own_zone is not None and own_zone.key != zone.key:
            when = self.text("text.beside", when=when, clock=self.format_clock(at, own_zone))
        return self.text(
            f"warning.{code.value}",
            what=what,
            window=window,
            miss=self._minutes(p["miss"]),
            when=when,
        )

    def covered_run_text(self, run: Sequence[PlanWarning]) -> str:
        """Say a run of `covered` warnings (`covered_runs`) as one sentence.

        Parameters:
            run: The warnings, dose after dose.

        Returns:
            The doses that each follow the one before too soon for a session between
            them, how soon (the least and the most), and the dose whose session covers
            them all.
        """
        gaps = [w.params["gap"] for w in run]
        least, most = min(map(_whole, gaps)), max(map(_whole, gaps))
        gap = (
            self._minutes(least)
            if least == most
            else self.text("text.span", first=self._minutes(least), last=self._minutes(most))
        )
        return self.text(
            "warning.covered_run",
            name=self.rule_name(run[0].rule or ""),
            first=run[0].infusion or "",
            last=run[-1].infusion or "",
            gap=gap,
            next=run[-1].params["next"],
            count=len(run) + 1,
        )

    def _what(self, rule: str, params: Mapping[str, object]) -> str:
        """Name an occurrence for a warning that has no title: its rule's name, its
        ordinal and its anchor."""
        count = params.get("count", 1)
        values: dict[str, object] = {
            "name": self.rule_name(rule),
            "ordinal": (
                self.text("what.ordinal", k=params["k"], count=count)
                if isinstance(count, int) and count > 1
                else ""
            ),
        }
        anchor = params.get("anchor")
        if anchor == "dose":
            key = "what.before_dose" if params.get("before") else "what.after_dose"
            dose = params["dose"]
            values["dose"] = self.doses((dose,)) if isinstance(dose, int) else dose
        elif anchor == "course":
            key, values["course"] = "what.course", params["course"]
        else:
            key = "what.long_arc"
        return self.text(key, **values)

    def rule_name(self, rule_id: str) -> str:
        """Name a rule in a warning that has no event title to name it by.

        Warnings the engine makes carry the title of the event they are about
        (`PlanWarning.title`); this names the rule of one that does not (built
        by hand, or said in another language than its plan's).

        Parameters:
            rule_id: The rule's id.

        Returns:
            The name of one of kapplan's rules in this language, as its events
            are titled (``Integration session``); for a rule of your own, its id.
        """
        return self.messages.get(f"rule.{rule_id}.name", rule_id)

    def _span(self, first: datetime, last: datetime) -> str:
        return self.text(
            "text.span", first=self.format_datetime(first), last=self.format_datetime(last)
        )

    def _minutes(self, value: object) -> str:
        return self.format_duration(value if isinstance(value, int) else 0)

    @property
    def discreet_words(self) -> tuple[str, ...]:
        """Words (or stems) a discreet calendar never contains, matched ignoring case."""
        return self.lists["ics.discreet_words"]

    # -- dates and times ---------------------------------------------------------

    def format_date(self, day: date, style: DateStyle = "long") -> str:
        """Format a date in this language.

        Parameters:
            day: The date (a datetime's own date is used).
            style: ``short`` (``Tue 01 Dec`` / ``вт 1 дек.``), ``long``
                (``Tue 01 Dec 2026`` / ``вт, 1 декабря 2026 г.``) or ``week``,
                the heading of the week starting on `day`.

        Returns:
            The formatted date.

        Raises:
            ValueError: For an unknown style.
        """
        if style not in DATE_STYLES:
            raise ValueError(f"unknown date style {style!r}; expected one of {DATE_STYLES}")
        return self.text(f"date.{style}", **self._date_fields(day))

    def format_datetime(self, moment: datetime) -> str:
        """Format a wall-clock date and time (as warnings show them).

        Parameters:
            moment: The time, already in the zone to show it in.

        Returns:
            E.g. ``Tue 01 Dec 2026 10:00`` / ``вт, 1 декабря 2026 г., 10:00``.
        """
        return self.text(
            "date.datetime", **self._date_fields(moment), hour=moment.hour, minute=moment.minute
        )

    def format_clock(self, moment: datetime, zone: ZoneInfo) -> str:
        """Say a time on another clock than the one beside it: a client's own.

        Parameters:
            moment: The time, on the clock shown beside it (aware).
            zone: The other clock.

        Returns:
            E.g. ``12:00 MSK``, or ``Tue 09:00 EST`` when the date differs on
            the other clock (the zone's abbreviation, as tzdata has it).
        """
        own = moment.astimezone(zone)
        fields = {"hour": own.hour, "minute": own.minute, "zone": own.strftime("%Z")}
        if own.date() == moment.date():
            return self.text("text.clock", **fields)
        weekday = self.lists["calendar.weekdays_abbr"][own.weekday()]
        return self.text("text.clock_day", weekday_abbr=weekday, **fields)

    def format_duration(self, minutes: int) -> str:
        """Format a length of time in days, hours and minutes.

        Parameters:
            minutes: Whole minutes, not negative.

        Returns:
            E.g. ``1 d 2 h 30 min`` / ``1 д 2 ч 30 мин``; zero parts are left
            out, and no time at all is ``0 min``.

        Raises:
            ValueError: When `minutes` is negative.
        """
        if minutes < 0:
            raise ValueError(f"a duration cannot be negative: {minutes} minutes")
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        parts = [
            self.text(f"duration.{unit}", n=amount)
            for unit, amount in (("days", days), ("hours", hours), ("minutes", mins))
            if amount
        ]
        return " ".join(parts) or self.text("duration.minutes", n=0)

    def _date_fields(self, day: date) -> dict[str, object]:
        weekday, month = day.weekday(), day.month - 1
        return {
            "weekday": self.lists["calendar.weekdays"][weekday],
            "weekday_abbr": self.lists["calendar.weekdays_abbr"][weekday],
            "day": day.day,
            "month": self.lists["calendar.months"][month],
            "month_abbr": self.lists["calendar.months_abbr"][month],
            "month_genitive": self.lists["calendar.months_genitive"][month],
            "year": day.year,
        }


@cache
def catalogue(lang: str) -> Catalogue:
    """Load one language's catalogue from kapplan's package data.

    Parameters:
        lang: A code from `LANGUAGES`.

    Returns:
        The catalogue (the same object on every call).

    Raises:
        KapplanError: For a language kapplan does not ship, or a language
            file that is malformed (names the file and key).
    """
    if lang not in LANGUAGES:
        expected = ", ".join(LANGUAGES[:-1]) + f" or {LANGUAGES[-1]}"
        raise KapplanError(f"unknown language {lang!r}; expected {expected}")
    import json

    # The package's own file, beside this module (importlib.resources would load
    # tempfile and its imports, 4 ms of every run, for a file that is always here):
    # the JSON twin of the TOML file, which `json` reads in a fraction of the time
    # (``tools/shipped_json.py``; a test keeps the two the same), checked as any other.
    text = (
        Path(__file__)
        .with_name("data")
        .joinpath("i18n", f"{lang}.json")
        .read_text(encoding="utf-8")
    )
    return catalogue_from_data(json.loads(text), lang, f"data/i18n/{lang}.toml")


def catalogues() -> Mapping[str, Catalogue]:
    """Return the message catalogues that ship with kapplan, by language.

    Each is read on first use: a plan in one language reads only that one (and
    English, the rulebook's own).
    """
    return _Catalogues()


class _Catalogues(Mapping[str, Catalogue]):
    """Every shipped catalogue by language, each read when first asked for."""

    def __getitem__(self, lang: str) -> Catalogue:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return catalogue(lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


def covered_runs(
    warnings: Sequence[PlanWarning], *, least: int = 3
) -> list[tuple[PlanWarning, ...]]:
    """Group a plan's warnings for a person to read: a run of `least` or more `covered`
    warnings of one client's rule, dose after dose (each one's next dose is the dose of
    the one after it), is one group, said once (`Catalogue.covered_run_text`); every
    other warning is a group of its own. Daily dosing would otherwise say the same thing
    once a dose. JSON keeps every warning.

    Parameters:
        warnings: The warnings, in the plan's order.
        least: The fewest warnings a run groups.

    Returns:
        The groups, in order.
    """
    groups: list[list[PlanWarning]] = []
    for warning in warnings:
        run = groups[-1] if groups else None
        if (
            run is not None
            and warning.code is WarningCode.COVERED
            and run[-1].code is WarningCode.COVERED
            and run[-1].rule == warning.rule
            and run[-1].client == warning.client
            and run[-1].params.get("next") == warning.infusion
        ):
            run.append(warning)
        else:
            groups.append([warning])
    grouped: list[tuple[PlanWarning, ...]] = []
    for run in groups:
        if len(run) >= least:
            grouped.append(tuple(run))
        else:
            grouped.extend((warning,) for warning in run)
    return grouped


def _whole(value: object) -> int:
    return value if isinstance(value, int) else 0


def _moment(value: object, zone: ZoneInfo) -> datetime:
    """Return a warning's time on a clock (params hold aware datetimes)."""
    assert isinstance(value, datetime)
    return value.astimezone(zone)


def catalogue_from_text(text: str, lang: str, source: str) -> Catalogue:
    """Validate a language file's text and build its catalogue.

    Parameters:
        text: The TOML text.
        lang: The language code the file must declare in ``[meta]``.
        source: The file's name, for messages.

    Returns:
        The catalogue.

    Raises:
        KapplanError: When the text is not TOML, lacks ``[meta]`` (language,
            name, a known plural rule), holds a value that is neither a string
            nor a list of strings, has a template `str.format` cannot parse or
            a plural with the wrong number of forms, or lacks a calendar list.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KapplanError(f"not valid TOML: {error}", source=source) from None
    return catalogue_from_data(data, lang, source)


def catalogue_from_data(data: dict[str, Any], lang: str, source: str) -> Catalogue:
    """Validate a language file's parsed values and build its catalogue.

    Parameters:
        data: The file's tables, as `tomllib` gives them (the caller's dict is
            not changed).
        lang: The language code the file must declare in ``[meta]``.
        source: The file's name, for messages.

    Returns:
        The catalogue.

    Raises:
        KapplanError: For every problem `catalogue_from_text` names but TOML syntax
            (the values are parsed already).
    """
    data = dict(data)
    meta = data.pop("meta", None)
    if not isinstance(meta, dict) or meta.get("language") != lang:
        raise KapplanError(f"expected [meta] with language = {lang!r}", source=source)
    rule = meta.get("plural")
    if not isinstance(rule, str) or rule not in PLURAL_RULES:
        raise KapplanError(
            f"plural = {rule!r} is not a plural rule; expected one of {sorted(PLURAL_RULES)}",
            source=source,
            field="meta.plural",
        )
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise KapplanError("expected the language's name", source=source, field="meta.name")
    messages: dict[str, str] = {}
    lists: dict[str, tuple[str, ...]] = {}
    for key, value in _flatten(data, ""):
        if isinstance(value, str):
            _check_message(key, value, PLURAL_RULES[rule][0], source)
            messages[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            lists[key] = tuple(value)
        else:
            raise KapplanError(
                f"expected a string or a list of strings, not {value!r}", source=source, field=key
            )
    for key, size in _LIST_KEYS.items():
        if len(lists.get(key, ())) != size:
            raise KapplanError(f"expected a list of {size} names", source=source, field=key)
    return Catalogue(
        language=lang,
        name=name,
        plural_rule=rule,
        messages=MappingProxyType(messages),
        lists=MappingProxyType(lists),
    )


def _flatten(table: Mapping[str, object], prefix: str) -> Iterable[tuple[str, object]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _check_message(key: str, template: str, forms: int, source: str) -> None:
    """Refuse a message that `str.format` cannot parse or whose plurals miscount."""
    try:
        specs = plural_specs(template)
    except ValueError as error:
        raise KapplanError(f"{error} in {template!r}", source=source, field=key) from None
    for spec in specs:
        if len(spec) != forms:
            raise KapplanError(
                f"a plural here takes {forms} forms, not {len(spec)}: {'|'.join(spec)!r}",
                source=source,
                field=key,
            )


__all__ = [
    "DATE_FIELDS",
    "DATE_STYLES",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "PLURAL_RULES",
    "RULE_FIELDS",
    "Catalogue",
    "DateStyle",
    "RuleField",
    "catalogue",
    "catalogue_from_data",
    "catalogue_from_text",
    "catalogues",
    "covered_runs",
    "placeholders",
    "plural_specs",
]
