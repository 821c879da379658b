"""Booking a caseload's sessions without its practices (for the therapist's calendar)
changes nothing else."""

from __future__ import annotations

from kapplan.edge.load import load_caseload, load_therapist
from kapplan.engine import book_sessions, build_caseload
from kapplan.engine.caseload import calendar_shows_practices, therapist_calendar
from kapplan.model.caseload import AGENDA_KINDS
from kapplan.model.rulebook import EventKind, Placement, Rulebook
from tests.conftest import ROOT
from tests.plans import TEXTS, rulebook

CASELOAD = ROOT / "examples" / "caseload"
THERAPIST = ROOT / "examples" / "therapist" / "lisbon.toml"


def test_without_practices_every_other_event_and_warning_is_the_same() -> None:
    """Sessions are placed before practices and never around them: leaving the practices
    out removes their events and warnings and nothing else, and the calendar is the same;
    of the other events, only those the calendar shows are made (sessions and doses:
    rest takes its time without an event, advisories are counted)."""
    clients = load_caseload([str(CASELOAD)])
    hours = load_therapist(str(THERAPIST), [d.start for c in clients for d in c.doses()[0]])
    book = rulebook()
    practice_rules = {r.id for r in book.active if r.placement is Placement.PRACTICE}
    full = build_caseload(clients, book, hours, texts=TEXTS)
    lean = book_sessions(clients, book, hours, texts=TEXTS)
    assert any(e.rule in practice_rules for p in full for e in p.events)
    for whole, part in zip(full, lean, strict=True):
        shown = tuple(e for e in whole.events if e.is_session or e.kind in AGENDA_KINDS)
        assert part.events == shown
        assert part.warnings == tuple(w for w in whole.warnings if w.rule not in practice_rules)
        assert (part.infusions, part.courses) == (whole.infusions, whole.courses)
    zone = hours.zone.key
    assert therapist_calendar(lean, zone) == therapist_calendar(full, zone)


def test_an_advisory_the_calendar_shows_is_made() -> None:
    """An advisory rule of a kind the therapist's calendar shows (a dose) is made by the
    calendar's planning too, and the calendar is the whole plan's."""
    clients = load_caseload([str(CASELOAD)])
    hours = load_therapist(str(THERAPIST), [d.start for c in clients for d in c.doses()[0]])
    book = rulebook()
    rules = [
        r.model_copy(update={"kind": EventKind.INFUSION})
        if r.placement is Placement.ADVISORY
        else r
        for r in book.rule
    ]
    odd = Rulebook(version=book.version, methods=book.methods, sources=book.sources, rule=rules)
    advisories = {r.id for r in odd.active if r.placement is Placement.ADVISORY}
    full = build_caseload(clients, odd, hours, texts=TEXTS)
    lean = book_sessions(clients, odd, hours, texts=TEXTS)
    assert any(e.rule in advisories for p in lean for e in p.events)
    zone = hours.zone.key
    assert therapist_calendar(lean, zone) == therapist_calendar(full, zone)


def test_a_practice_the_calendar_shows_keeps_the_practices() -> None:
    """The default rulebook's practices never reach the therapist's calendar; a rulebook
    that gives a practice a kind the calendar shows (a dose) needs them placed."""
    book = rulebook()
    assert not calendar_shows_practices([book, book])
    rules = [
        r.model_copy(update={"kind": EventKind.INFUSION})
        if r.placement is Placement.PRACTICE
        else r
        for r in book.rule
    ]
    odd = Rulebook(version=book.version, methods=book.methods, sources=book.sources, rule=rules)
    assert calendar_shows_practices([book, odd])
