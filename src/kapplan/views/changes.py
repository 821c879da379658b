"""Say what a re-plan over an earlier export changed, grouped by who must be told.

Each client's sessions are given on the client's own clock; in a caseload the
therapist's clock follows in brackets when it differs (as warnings do).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kapplan.characters import visible
from kapplan.i18n import Catalogue, catalogue

if TYPE_CHECKING:
    from kapplan.api.changes import Change
    from kapplan.model.plan import Plan


def render_changes(
    changes: Sequence[Change],
    plans: Sequence[Plan],
    *,
    source: str,
    timezone: str | None = None,
    language: str = "en",
) -> str:
    """Render the change list: a heading, then each client's moved, new, cancelled and
    pinned sessions.

    Parameters:
        changes: What changed (`kapplan.api.changes.changes`).
        plans: The plans, for each client's zone.
        source: The earlier export's name.
        timezone: The therapist's zone in a caseload (shown beside each time), else None.
        language: The reader's language.

    Returns:
        The text, ending in a newline; '' when nothing changed.
    """
    if not changes:
        return ""
    texts = catalogue(language)
    zones = {plan.client: plan.zone for plan in plans}
    therapist = ZoneInfo(timezone) if timezone else None
    lines = [texts.text("changes.heading", source=source, n=len(changes))]
    client: str | None = None
    for change in changes:
        zone = zones.get(change.client) or plans[0].zone
        if change.client != client:
            client = change.client
            if client:
                lines.append("  " + texts.text("changes.client", client=client, zone=zone.key))
        when = _when(change, zone, therapist, texts)
        lines.append("    " + texts.text(f"changes.{change.kind}", title=change.title, **when))
    # Titles, labels and the file's name are the user's: stderr gets no raw control.
    return "".join(visible(line) + "\n" for line in lines)


def _when(
    change: Change, zone: ZoneInfo, therapist: ZoneInfo | None, texts: Catalogue
) -> dict[str, str]:
    def say(moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(zone)
        text = texts.format_datetime(local)
        if therapist is not None and therapist.utcoffset(moment) != zone.utcoffset(moment):
            return texts.text("text.beside", when=text, clock=texts.format_clock(local, therapist))
        return text

    return {
        "before": say(change.before[0] if change.before else None),
        "after": say(change.after[0] if change.after else None),
    }


__all__ = ["render_changes"]
