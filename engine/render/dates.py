"""Moments as a person reads them: a date given as a date (local midnight)
is shown as a date, a time only where there is one, "today" and "tomorrow"
near the moment of the advice, the year only when it is not that moment's."""

from __future__ import annotations

from datetime import datetime

__all__ = ["moment", "is_date", "day_text", "moment_text", "full_text", "relative_days"]


def moment(iso: str) -> datetime:
    """An ISO 8601 moment of a report or plan."""
    return datetime.fromisoformat(iso)


def is_date(t: datetime) -> bool:
    """Local midnight: a date given as a date (``by: 2026-11-20``) or a day boundary."""
    return t.hour == 0 and t.minute == 0 and t.second == 0 and t.microsecond == 0


def day_text(t: datetime, now: datetime | None = None) -> str:
    """``today``, ``tomorrow``, ``yesterday`` or ``Sat 21 Nov`` (``Sat 21 Nov 2027``
    in another year than ``now``'s)."""
    if now is not None:
        t = t.astimezone(now.tzinfo)
        days = (t.date() - now.date()).days
        if days in _NEAR:
            return _NEAR[days]
        if t.year == now.year:
            return t.strftime("%a %d %b")
    return t.strftime("%a %d %b %Y")


_NEAR = {-1: "yesterday", 0: "today", 1: "tomorrow"}


def moment_text(t: datetime, now: datetime | None = None) -> str:
    """A day, with its time unless it is local midnight: ``today 17:00``, ``Sat 21 Nov``."""
    if now is not None:
        t = t.astimezone(now.tzinfo)
    day = day_text(t, now)
    return day if is_date(t) else f"{day} {t.strftime('%H:%M')}"


def full_text(t: datetime) -> str:
    """``Fri 20 Nov 2026`` for a date, ``Mon 16 Nov 2026 10:00`` otherwise."""
    return t.strftime("%a %d %b %Y" if is_date(t) else "%a %d %b %Y %H:%M")


def relative_days(t: datetime, now: datetime) -> str:
    """``3 days ago``, ``in 1 day``, ``today``."""
    days = (now.date() - t.astimezone(now.tzinfo).date()).days
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 0:
        return f"in {-days} day{'s' if days != -1 else ''}"
    return "today"
