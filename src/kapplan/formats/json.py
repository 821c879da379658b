"""Render a plan as one JSON document: the stable contract for scripts.

Field order is fixed (see `EVENT_FIELDS` and friends) and documented in the
README; times are ISO 8601 with their UTC offset; indices are 1-based.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from kapplan.model.plan import Plan

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
WARNING_FIELDS = ("client", "rule", "message", "infusion", "alternatives")


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
    events = sorted(
        ((e.start.astimezone(UTC), n, p.client, e) for n, p in enumerate(group) for e in p.events),
        key=lambda item: (item[0], item[1]),
    )
    return {
        "timezone": timezone or (group[0].timezone if group else "UTC"),
        "clients": [{"client": p.client, "timezone": p.timezone} for p in group],
        "infusions": [
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
        ],
        "courses": [
            {
                "client": p.client,
                "index": c.index,
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "infusions": list(c.infusions),
            }
            for p in group
            for c in p.courses
        ],
        "events": [
            {
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
            for _, _, client, e in events
        ],
        "warnings": [
            {
                "client": p.client,
                "rule": w.rule,
                "message": w.message,
                "infusion": w.infusion,
                "alternatives": [a.isoformat() for a in w.alternatives],
            }
            for p in group
            for w in p.warnings
        ],
    }


def render_json(plans: Plan | Sequence[Plan], *, timezone: str | None = None) -> str:
    """Render a plan (or a caseload's plans) as pretty-printed JSON ending in a newline.

    Parameters:
        plans: A plan, or one plan per client.
        timezone: The document's zone; default: the first plan's.

    Returns:
        The JSON document.
    """
    return json.dumps(plan_to_data(plans, timezone=timezone), indent=2, ensure_ascii=False) + "\n"
