"""A plan as one JSON document, the stable contract for scripts, and an export read back.

Field order is fixed (see `EVENT_FIELDS` and friends) and documented in the
README; times are ISO 8601 with their UTC offset; indices are 1-based. A
warning carries its `code` and `params` (for scripts) and its `message`,
worded in its plan's language on its plan's clock.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kapplan.characters import json_text
from kapplan.errors import UnreadableExport
from kapplan.i18n import catalogue
from kapplan.model.plan import EventKind, Phase, Plan, PlanEvent, PlanWarning
from kapplan.model.zones import known_zone

#: Published field order of each object in the document.
TOP_FIELDS = ("timezone", "clients", "infusions", "courses", "events", "warnings")
CLIENT_FIELDS = ("client", "timezone")
INFUSION_FIELDS = ("client", "index", "at", "end", "method", "course")
COURSE_FIELDS = ("client", "index", "start", "end", "infusions")
EVENT_FIELDS = (
    "client",
    "uid",
    "kind",
    "phase",
    "start",
    "end",
    "all_day",
    "title",
    "description",
    "infusion",
    "course",
    "rule",
)
WARNING_FIELDS = (
    "client",
    "rule",
    "code",
    "message",
    "params",
    "infusion",
    "event",
    "alternatives",
)


def plan_to_data(plans: Plan | Sequence[Plan], *, timezone: str | None = None) -> dict[str, Any]:
    """Convert one plan, or a caseload's plans, to JSON-ready data in the published order.

    Parameters:
        plans: A plan, or one plan per client.
        timezone: The document's zone (the therapist's); default: the first plan's.

    Returns:
        A dict of lists, strings, numbers, booleans and None. Every record names
        its `client` (the label, '' when a single schedule has none); events are
        in time order across clients.
    """
    group = (plans,) if isinstance(plans, Plan) else tuple(plans)
    return {
        name: list(value) if isinstance(value, Iterator) else value
        for name, value in _sections(group, timezone)
    }


def _sections(group: tuple[Plan, ...], timezone: str | None) -> Iterator[tuple[str, Any]]:
    """Yield each top-level field of the document: the zone, then each list as an iterator
    of its records, made one at a time."""
    yield "timezone", timezone or (group[0].timezone if group else "UTC")
    yield "clients", ({"client": p.client, "timezone": p.timezone} for p in group)
    yield (
        "infusions",
        (
            {
                "client": p.client,
                "index": i.index,
                "at": i.start.isoformat(),
                "end": i.end.isoformat(),
                "method": i.method.value,
                "course": i.course,
            }
            for p in group
            for i in p.infusions
        ),
    )
    yield (
        "courses",
        (
            {
                "client": p.client,
                "index": c.index,
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "infusions": list(c.infusions),
            }
            for p in group
            for c in p.courses
        ),
    )
    yield "events", (_event(client, e) for _, _, client, e in _in_time_order(group))
    yield "warnings", (_warning(p, w) for p in group for w in p.warnings)


def _in_time_order(group: tuple[Plan, ...]) -> list[tuple[datetime, int, str, PlanEvent]]:
    """Return every plan's events in time order across clients (ties: the earlier plan's,
    then each plan's own order)."""
    return sorted(
        ((e.start.astimezone(UTC), n, p.client, e) for n, p in enumerate(group) for e in p.events),
        key=lambda item: (item[0], item[1]),
    )


def _event(client: str, e: PlanEvent) -> dict[str, Any]:
    return {
        "client": client,
        "uid": e.uid,
        "kind": e.kind.value,
        "phase": e.phase.value,
        "start": e.start.isoformat(),
        "end": e.end.isoformat(),
        "all_day": e.all_day,
        "title": e.title,
        "description": e.description,
        "infusion": e.infusion,
        "course": e.course,
        "rule": e.rule,
    }


def _warning(plan: Plan, warning: PlanWarning) -> dict[str, Any]:
    zone = plan.zone
    return {
        "client": plan.client,
        "rule": warning.rule,
        "code": warning.code.value,
        "message": catalogue(plan.language).warning_text(warning, zone),
        "params": {key: _param(value, zone) for key, value in warning.params.items()},
        "infusion": warning.infusion,
        "event": warning.event,
        "alternatives": [a.astimezone(zone).isoformat() for a in warning.alternatives],
    }


def _param(value: object, zone: ZoneInfo) -> object:
    """Return a warning param for JSON: an aware time on the plan's clock, as ISO 8601."""
    if isinstance(value, datetime):
        return (value.astimezone(zone) if value.tzinfo else value).isoformat()
    return value


def render_json(
    plans: Plan | Sequence[Plan],
    *,
    timezone: str | None = None,
    changes: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """Render a plan (or a caseload's plans) as pretty-printed JSON ending in a newline.

    Parameters:
        plans: A plan, or one plan per client.
        timezone: The document's zone; default: the first plan's.
        changes: For a re-plan over an earlier export: what changed, as records
            (``client``, ``uid``, ``title``, ``change``, ``before``, ``after``), added
            as ``changes`` after the warnings; None leaves the key out.

    Returns:
        The JSON document.
    """
    return "".join(iter_json(plans, timezone=timezone, changes=changes))


#: Records encoded together before a piece of the document is yielded.
_BATCH = 256


def iter_json(
    plans: Plan | Sequence[Plan],
    *,
    timezone: str | None = None,
    changes: Sequence[Mapping[str, Any]] | None = None,
    shown: Mapping[str, Any] | None = None,
) -> Iterator[str]:
    """Yield the document `render_json` returns, piece by piece, record by record.

    The pieces join to exactly the text of ``json.dumps(plan_to_data(...), indent=2,
    ensure_ascii=False)`` (with the controls `json_text` escapes), but no piece
    holds more than a few hundred records, so a caseload's document is never in
    memory whole: write the pieces as they come.

    Parameters:
        plans: A plan, or one plan per client.
        timezone: The document's zone; default: the first plan's.
        changes: As for `render_json`.
        shown: The filter the plans were narrowed by (``from``, ``to``, ``kinds``),
            written as ``filter`` after everything else; None for a whole plan.

    Returns:
        An iterator of text pieces; together, the document ending in a newline.
    """
    group = (plans,) if isinstance(plans, Plan) else tuple(plans)
    sections = list(_sections(group, timezone))
    if changes is not None:
        sections.append(("changes", iter(changes)))
    if shown is not None:
        sections.append(("filter", dict(shown)))
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False)
    separator = "{\n  "
    for name, value in sections:
        key = encoder.encode(name)
        if not isinstance(value, Iterator):
            # A record (the filter) is indented one level deeper, as json.dumps does.
            text = encoder.encode(value).replace("\n", "\n  ")
            yield json_text(f"{separator}{key}: {text}")
        else:
            yield f"{separator}{key}: "
            yield from _list(encoder, value)
        separator = ",\n  "
    yield "\n}\n"


def _list(encoder: json.JSONEncoder, records: Iterator[Any]) -> Iterator[str]:
    """Yield a list of the document's top level as `json.dumps` indents it: one level
    deeper than a record encoded on its own, so each of its lines moves right by four."""
    batch: list[str] = []
    opened = False
    for record in records:
        batch.append(encoder.encode(record).replace("\n", "\n    "))
        if len(batch) == _BATCH:
            yield json_text(("[\n    " if not opened else ",\n    ") + ",\n    ".join(batch))
            opened, batch = True, []
    if batch:
        yield json_text(("[\n    " if not opened else ",\n    ") + ",\n    ".join(batch))
        opened = True
    yield "\n  ]" if opened else "[]"


# -- reading an export back ------------------------------------------------------


#: Fields every event of a kapplan JSON export has, with the types they must have.
_JSON_EVENT: Mapping[str, tuple[type, ...]] = {
    "uid": (str,),
    "kind": (str,),
    "phase": (str,),
    "start": (str,),
    "end": (str,),
    "all_day": (bool,),
    "title": (str,),
    "description": (str,),
    "infusion": (int, type(None)),
    "course": (int, type(None)),
    "rule": (str,),
}


def plan_from_json(
    text: str, source: str, *, language: str, session_kinds: Collection[EventKind]
) -> Plan:
    """Read a kapplan JSON export (``kapplan plan --format json``) back as a plan of events.

    Parameters:
        text: The document.
        source: The file's name, for messages.
        language: The language to write calendar lines in (phase names,
            discreet texts): a JSON export does not record its own.
        session_kinds: Kinds of events that are therapy sessions (they carry
            reminders in a calendar), from the rulebook.

    Returns:
        A plan with the export's zone and events (no doses or courses).

    Raises:
        UnreadableExport: When the text is not JSON, not a kapplan export of
            one schedule, or an event lacks or garbles a field; the message
            names the file, the line where it can be told, and the field.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise UnreadableExport(
            f"not valid JSON: {problem.msg}; expected a kapplan JSON export "
            "(kapplan plan --format json)",
            source=source,
            line=problem.lineno,
        ) from None
    except RecursionError:
        raise UnreadableExport("not valid JSON: nested too deeply", source=source) from None
    except ValueError as problem:
        # A number of more than 4,300 digits: no kapplan export holds one.
        raise UnreadableExport(
            f"not a kapplan export: {' '.join(str(problem).split()[:8])}; expected a kapplan "
            "JSON export (kapplan plan --format json)",
            source=source,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise UnreadableExport(
            "no events list; expected a kapplan JSON export (kapplan plan --format json)",
            source=source,
        )
    zone = data.get("timezone")
    if not isinstance(zone, str) or known_zone(zone) is None:
        raise UnreadableExport(
            f"got {_shown(zone)}; expected an IANA zone name such as Europe/Berlin",
            source=source,
            field="timezone",
        )
    clients = data.get("clients")
    if isinstance(clients, list) and len(clients) > 1:
        raise UnreadableExport(
            f"the export of a caseload ({len(clients)} clients); expected one schedule's "
            "export: kapplan diff compares one client's plan",
            source=source,
            field="clients",
        )
    # A session warned late or early was booked outside its window (`PlanEvent.outside`).
    warned = data.get("warnings")
    outside = {
        w["event"]
        for w in (warned if isinstance(warned, list) else ())
        if isinstance(w, dict)
        and w.get("code") in ("late", "early")
        and isinstance(w.get("event"), str)
    }
    events = tuple(
        _json_event(item, f"events[{n}]", source, session_kinds, outside)
        for n, item in enumerate(data["events"], start=1)
    )
    uids = [e.uid for e in events]
    for n, uid in enumerate(uids, start=1):
        if uid in uids[: n - 1]:
            raise UnreadableExport(
                f"uid {uid!r} appears twice; expected a kapplan export",
                source=source,
                field=f"events[{n}].uid",
            )
    return Plan(timezone=zone, infusions=(), courses=(), events=events, language=language)


def _json_event(
    item: Any,
    where: str,
    source: str,
    session_kinds: Collection[EventKind],
    outside: Collection[str] = (),
) -> PlanEvent:
    if not isinstance(item, dict):
        raise UnreadableExport("not an object; expected an event", source=source, field=where)
    for name, types in _JSON_EVENT.items():
        if name not in item:
            raise UnreadableExport(
                "missing; every event of a kapplan export has it",
                source=source,
                field=f"{where}.{name}",
            )
        if not isinstance(item[name], types) or (
            bool not in types and isinstance(item[name], bool)
        ):
            expected = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise UnreadableExport(
                f"got {_shown(item[name])}; expected {expected}",
                source=source,
                field=f"{where}.{name}",
            )
    kind = _json_enum(EventKind, item["kind"], source, f"{where}.kind")
    phase = _json_enum(Phase, item["phase"], source, f"{where}.phase")
    start, end = (_json_time(item[k], source, f"{where}.{k}") for k in ("start", "end"))
    return PlanEvent(
        uid=item["uid"],
        kind=kind,
        phase=phase,
        start=start,
        end=end,
        all_day=item["all_day"],
        title=item["title"],
        description=item["description"],
        infusion=item["infusion"],
        course=item["course"],
        rule=item["rule"],
        is_session=kind in session_kinds,
        outside=item["uid"] in outside,
    )


_E = TypeVar("_E", EventKind, Phase)


def _json_enum(closed: type[_E], value: str, source: str, field: str) -> _E:
    try:
        return closed(value)
    except ValueError:
        what = field.rpartition(".")[2]
        raise UnreadableExport(
            f"unknown {what} {_shown(value)}; expected one of {', '.join(closed)}",
            source=source,
            field=field,
        ) from None


def _json_time(value: str, source: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise UnreadableExport(
            f"{_shown(value)} is not a time with an offset; expected ISO 8601, "
            "e.g. 2026-12-01T10:00:00+01:00",
            source=source,
            field=field,
        )
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise UnreadableExport(
            f"{_shown(value)} is past the last time a calendar can hold (year 9999 in UTC); "
            "expected a kapplan export's times",
            source=source,
            field=field,
        ) from None
    return moment


def _shown(value: object) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."
