"""Reminder lead times: how long before a session or dose a calendar alarm fires. Pure.

Written ``15m``, ``2h``, ``1d``, ``1w`` or combined (``1h30m``), on the
command line (``--remind``) and in the config file (``reminders``).
"""

from __future__ import annotations

import re
from datetime import timedelta

#: Reminder lead times used when nobody sets any: a day and an hour before.
DEFAULT_REMINDERS = (timedelta(days=1), timedelta(hours=1))
#: The same, as a person writes them (the config file's and `kapplan config`'s form).
DEFAULT_REMINDER_TEXTS = ("1d", "1h")
#: The longest reminder lead time `parse_reminder` accepts.
MAX_REMINDER = timedelta(weeks=4)

_REMINDER = re.compile(r"(\d+)\s*(min|w|d|h|m)", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "min": "minutes"}


def parse_reminder(text: str) -> timedelta:
    """Parse a reminder lead time such as ``15m``, ``2h``, ``1d``, ``1w`` or ``1h30m``.

    Parameters:
        text: Whole numbers with units w (weeks), d (days), h (hours),
            m or min (minutes), case-insensitive; ``0m`` means at the start.

    Returns:
        How long before the event the reminder fires.

    Raises:
        ValueError: One sentence for a person, when the text is not such a
            duration or exceeds `MAX_REMINDER`.
    """
    parts = list(_REMINDER.finditer(text))
    spelled = "".join(part.group(0) for part in parts)
    if not parts or "".join(spelled.split()) != "".join(text.split()):
        raise ValueError(
            f"{clip(text)} is not a lead time; use a number and a unit, e.g. 15m, 2h, 1d or 1w"
        )
    try:
        lead = sum(
            (timedelta(**{_UNITS[p.group(2).lower()]: int(p.group(1))}) for p in parts),
            timedelta(),
        )
    except (OverflowError, ValueError):  # too large for timedelta, or for int()
        lead = timedelta.max
    if lead > MAX_REMINDER:
        raise ValueError(
            f"{clip(text)} is too far ahead; a reminder can be at most 4 weeks (4w) before"
        )
    return lead


def clip(text: str) -> str:
    """Quote a piece of input for a one-line message: whitespace folded, at most 60 characters.

    Parameters:
        text: What the person wrote.

    Returns:
        Its `repr`, shortened with ``...`` when long.
    """
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")


__all__ = ["DEFAULT_REMINDERS", "DEFAULT_REMINDER_TEXTS", "MAX_REMINDER", "clip", "parse_reminder"]
