"""Machine formats, both ways, for what planning makes and reads: no Rich, no files.

The iCalendar content-line codec (`ical`), kapplan's calendar (`ics`: a plan
to .ics, an earlier export back), third-party calendars as busy time
(`busy`, with `recurrence`), JSON (`json`) and the files' JSON Schemas (`schema`).
"""
