"""Busy time as half-open intervals of aware instants. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

#: A half-open span of time, ``[start, end)``, both ends aware.
Interval = tuple[datetime, datetime]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort half-open intervals and merge those that overlap or touch.

    Parameters:
        intervals: ``(start, end)`` pairs of aware datetimes; empty ones are dropped.

    Returns:
        The merged intervals in UTC, in time order, none overlapping or touching.
    """
    merged: list[Interval] = []
    for start, end in sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


__all__ = ["Interval", "merge_intervals"]
