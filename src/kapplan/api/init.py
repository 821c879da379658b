"""A commented starter schedule: ``kapplan init``, as a library."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kapplan.edge.starter import Answers, Preset, Question


def starter_questions(
    preset: Preset, *, zone: str, today: datetime, language: str = "en"
) -> tuple[Question, ...]:
    """Return what `kapplan init` asks for a preset, with defaults from a zone and a day.

    Parameters:
        preset: The starting point.
        zone: The zone the dates are in (default answer).
        today: The day the defaults count from (the first dose a week or more later).
        language: The language it asks in (a code of `LANGUAGES`).

    Returns:
        The questions.
    """
    from kapplan.edge.starter import questions
    from kapplan.i18n import catalogue

    return questions(preset, zone=zone, today=today.date(), texts=catalogue(language))


def preset_question(language: str = "en") -> Question:
    """Return `kapplan init`'s first question, which preset, asked in a language.

    Parameters:
        language: A code of `LANGUAGES`.

    Returns:
        The question.
    """
    from kapplan.edge.starter import preset_question as question
    from kapplan.i18n import catalogue

    return question(catalogue(language))


def next_steps(path: str, answers: Answers, language: str = "en") -> str:
    """Return what `kapplan init` says on stderr once it has written a file.

    Parameters:
        path: The file, as the person named it.
        answers: What it was made from.
        language: The language it asked in.

    Returns:
        The lines, ending in a newline.
    """
    from kapplan.edge.starter import next_steps as steps
    from kapplan.i18n import catalogue

    return steps(path, answers, catalogue(language))


def starter_text(answers: Answers) -> str:
    """Return the commented starter schedule for answers.

    Parameters:
        answers: What `starter_questions` were answered with.

    Returns:
        The TOML text.
    """
    from kapplan.edge.starter import starter_toml

    return starter_toml(answers)


def took_zone_note(zone: str, city: str, language: str = "en") -> str:
    """Say which zone a city given as `kapplan init`'s time zone stands for.

    Parameters:
        zone: The IANA name taken, e.g. ``Europe/London``.
        city: What was written, e.g. ``London``.
        language: A code of `LANGUAGES`.

    Returns:
        One line without a newline, e.g. ``took Europe/London for 'London'``.
    """
    from kapplan.i18n import catalogue

    return catalogue(language).text("init.took_zone", zone=zone, city=city)


__all__ = ["next_steps", "preset_question", "starter_questions", "starter_text", "took_zone_note"]
