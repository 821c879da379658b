"""The kinds of file kapplan reads, as ``kapplan validate --kind`` names them.

Kept apart, importing nothing, so the command line can name them at start-up
without loading the models that check each kind.
"""

from __future__ import annotations

from enum import StrEnum


class FileKind(StrEnum):
    """What a file holds, and so which model checks it."""

    SCHEDULE = "schedule"
    """A client's doses, plan settings and availability."""
    THERAPIST = "therapist"
    """A therapist file: one ``[therapist]`` table."""
    RULEBOOK = "rulebook"
    """A rulebook: ``version``, ``[methods]`` and ``[[rule]]`` tables."""
