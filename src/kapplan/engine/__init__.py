"""The rules engine: schedules and rulebooks in, plans out. Pure: no I/O, no clock.

- `kapplan.engine.occurrences`: courses, anchors, and every rule's occurrences with
  their windows;
- `kapplan.engine.calendar`: busy timelines, allowed hours, the search for a free time;
- `kapplan.engine.planner`: one client's occurrences placed as events, or warnings;
- `kapplan.engine.caseload`: one plan or a caseload's, and the therapist's calendar.
"""

from kapplan.engine.caseload import (
    book_sessions,
    build_caseload,
    build_plan,
    calendar_shows_practices,
    therapist_calendar,
)

__all__ = [
    "book_sessions",
    "build_caseload",
    "build_plan",
    "calendar_shows_practices",
    "therapist_calendar",
]
