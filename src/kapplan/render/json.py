"""Render a plan as one JSON document: the stable contract for scripts.

Field order is fixed (see `EVENT_FIELDS` and friends) and documented in the
README; times are ISO 8601 with their UTC offset; indices are 1-based.
"""

from __future__ import annotations

import json
from typing import Any

from kapplan.plan import Plan

#: Published field order of each object in the document.
TOP_FIELDS = ("timezone", "infusions", "courses", "events", "warnings")
INFUSION_FIELDS = ("index", "at", "end", "method", "course")
COURSE_FIELDS = ("index", "start", "end", "infusions")
EVENT_FIELDS = (
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
WARNING_FIELDS = ("rule", "message", "infusion")


def plan_to_data(plan: Plan) -> dict[str, Any]:
    """Convert a plan to plain JSON-ready data in the published field order.

    Parameters:
        plan: The plan.

    Returns:
        A dict of lists, strings, numbers, booleans and None.
    """
    return {
        "timezone": plan.timezone,
        "infusions": [
            {
                "index": i.index,
                "at": i.start.isoformat(),
                "end": i.end.isoformat(),
                "method": i.method.value,
                "course": i.course,
            }
            for i in plan.infusions
        ],
        "courses": [
            {
                "index": c.index,
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "infusions": list(c.infusions),
            }
            for c in plan.courses
        ],
        "events": [
            {
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
            for e in plan.events
        ],
        "warnings": [
            {"rule": w.rule, "message": w.message, "infusion": w.infusion} for w in plan.warnings
        ],
    }


def render_json(plan: Plan) -> str:
    """Render a plan as pretty-printed JSON text ending in a newline.

    Parameters:
        plan: The plan.

    Returns:
        The JSON document.
    """
    return json.dumps(plan_to_data(plan), indent=2, ensure_ascii=False) + "\n"
