"""``kapplan agenda`` and ``kapplan today``: what is on today and this week, across schedules
(`kapplan.api.agenda_text`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from kapplan import api
from kapplan.cli import options as o
from kapplan.cli.shell import emit, environment, layout, named_or_stdin
from kapplan.model.filters import make_filter

#: The days `kapplan agenda` shows without --from and --to: today and the six after it.
AGENDA_FROM, AGENDA_TO = "today", "+6d"


def agenda_command(
    schedules: o.SchedulesArgument = None,
    from_day: o.FromOption = None,
    to_day: o.ToOption = None,
    kinds: o.KindFilterOption = None,
    therapist: o.TherapistOption = None,
    client: o.ClientOption = None,
    lang: Annotated[
        o.Language | None,
        o.lang_option("Language of every text: en or ru (as for kapplan plan)."),
    ] = None,
    rulebook: Annotated[
        Path | None, o.rules_option("Your own rulebook for every schedule (as for kapplan plan).")
    ] = None,
) -> None:
    """Print what is on from today to a week from now, in time order, across one or many
    schedules (a caseload: sessions and doses, each line naming its client).

    "Today" is this machine's date, or KAPPLAN_TODAY (YYYY-MM-DD), for scripts and tests.

    Examples:

      kapplan agenda infusions.toml

      kapplan agenda clients/ --therapist me.toml

      kapplan agenda infusions.toml --to +30d --kind sessions

      kapplan agenda clients/ --client vera --from 2027-01-04 --to 2027-01-10
    """
    _show(
        named_or_stdin(schedules),
        from_day or AGENDA_FROM,
        to_day or AGENDA_TO,
        kinds,
        therapist,
        client,
        lang,
        rulebook,
    )


def today_command(
    schedules: o.SchedulesArgument = None,
    kinds: o.KindFilterOption = None,
    therapist: o.TherapistOption = None,
    client: o.ClientOption = None,
    lang: Annotated[
        o.Language | None,
        o.lang_option("Language of every text: en or ru (as for kapplan plan)."),
    ] = None,
    rulebook: Annotated[
        Path | None, o.rules_option("Your own rulebook for every schedule (as for kapplan plan).")
    ] = None,
) -> None:
    """Print what is on today, across one or many schedules (as kapplan agenda, for one day).

    Examples:

      kapplan today infusions.toml

      kapplan today clients/ --therapist me.toml --kind sessions
    """
    _show(named_or_stdin(schedules), "today", "today", kinds, therapist, client, lang, rulebook)


def _show(
    schedules: list[str],
    first: str,
    last: str,
    kinds: list[str] | None,
    therapist: Path | None,
    client: str | None,
    lang: o.Language | None,
    rulebook: Path | None,
) -> None:
    """Plan the schedules and print the events of the days from `first` to `last`."""
    env = environment(today=True)
    only = make_filter(first, last, kinds or (), env.today)
    with api.progress_shown(lambda: _label(lang, env)):
        planned = api.plan_files(
            schedules,
            therapist=str(therapist) if therapist else None,
            rules=str(rulebook) if rulebook else None,
            flags=o.calendar_flags(lang),
            env=env,
            client=client,
        )
    width, color = layout(None)
    emit(api.agenda_text(planned, only, width=width, color=color))


def _label(lang: o.Language | None, env: api.Environment) -> str:
    """Return the words before the progress bar, in the reader's language."""
    from kapplan.i18n import catalogue

    return catalogue(api.language_of(env, lang.value if lang else None)).text("wrote.progress")
