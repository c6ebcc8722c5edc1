"""Reading the times a job seeker types into ``rules log``: ISO 8601 or
relative words ("yesterday 14:00", "today", "next friday"), and writing
them into the log so that they mean the same instant when read back.

What is stored:

- a time with an explicit offset (``2026-11-01T01:30-05:00``) keeps that
  offset, so the repeated hour of a DST change names the instant meant;
- a local time that exists once in the log's zone is stored as local time
  (``2026-11-16T10:00``), as a person would write it;
- a local time in the repeated hour (autumn) is taken as its first
  occurrence and stored with that offset, with a warning naming the other;
- a local time in the skipped hour (spring) is moved forward by the gap,
  as the clock would have read, and stored with its offset, with a warning.

Relative words are read by dateparser (a maintained library that knows
English relative dates and weekday names; hand-written parsing would not),
relative to now in the log's zone; the caller always echoes the absolute
time recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from engine.errors import UsageError
from engine.input.times import check_year, localize, parse_moment

__all__ = ["Recorded", "is_ambiguous", "is_skipped", "now_recorded", "read_time", "shown"]

_EXAMPLES = "e.g. --at 2026-11-16T14:00, --at 'yesterday 14:00', --at today, --at 'friday 9:30'"


@dataclass(frozen=True)
class Recorded:
    """A time as read: the instant, the text stored in the log, whether only
    a date was given, and warnings for the user."""

    moment: datetime
    text: str
    date_only: bool = False
    warnings: tuple[str, ...] = field(default=())


def is_ambiguous(naive: datetime, tz: tzinfo) -> bool:
    """True if the wall time ``naive`` occurs twice in ``tz`` (the repeated hour)."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    return first.utcoffset() != second.utcoffset() and not is_skipped(naive, tz)


def is_skipped(naive: datetime, tz: tzinfo) -> bool:
    """True if the wall time ``naive`` never occurs in ``tz`` (the skipped hour)."""
    return localize(naive, tz).replace(tzinfo=None) != naive


def shown(moment: datetime, tz: tzinfo) -> str:
    """The absolute time for a person: ``Fri 04 Dec 2026 14:00 EST (-05:00)``."""
    local = moment.astimezone(tz)
    abbreviation = local.tzname() or ""
    offset = _offset_text(local)
    label = f"{abbreviation} ({offset})" if abbreviation and abbreviation != f"UTC{offset}" else offset
    return f"{local:%a %d %b %Y %H:%M}" + (f":{local:%S}" if local.second else "") + f" {label}"


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _iso(moment: datetime, *, offset: bool) -> str:
    spec = "seconds" if moment.second or moment.microsecond else "minutes"
    if moment.microsecond:
        spec = "auto"
    text = moment.replace(tzinfo=None).isoformat(timespec=spec)
    return text + _offset_text(moment) if offset else text


def _from_local(naive: datetime, tz: tzinfo, zone_name: str) -> tuple[datetime, str, list[str]]:
    """A wall time in ``tz``: the instant, the text to store, the warnings."""
    moment = parse_moment(naive, tz)
    warnings: list[str] = []
    if is_skipped(naive, tz):
        warnings.append(f"{naive:%H:%M} on {naive:%a %d %b %Y} does not exist in {zone_name} "
                        f"(the clocks went forward); recorded {shown(moment, tz)}, the time the "
                        "clock showed")
        return moment, _iso(moment.astimezone(tz), offset=True), warnings
    if is_ambiguous(naive, tz):
        second = parse_moment(naive.replace(tzinfo=tz, fold=1), tz)
        warnings.append(f"{naive:%H:%M} on {naive:%a %d %b %Y} happens twice in {zone_name} "
                        f"(the clocks went back); recorded the first, {shown(moment, tz)}; "
                        f"for the second give --at {_iso(second, offset=True)}")
        return moment, _iso(moment, offset=True), warnings
    return moment, _iso(naive, offset=False), warnings


def now_recorded(now: datetime, tz: tzinfo, zone_name: str) -> Recorded:
    """The current minute as an event time (with its offset in a repeated hour)."""
    local = now.astimezone(tz).replace(second=0, microsecond=0)
    naive = local.replace(tzinfo=None)
    moment = parse_moment(local, tz)
    if is_ambiguous(naive, tz):
        return Recorded(moment, _iso(moment, offset=True))
    return Recorded(moment, _iso(naive, offset=False))


def read_time(value: str, tz: tzinfo, zone_name: str, now: datetime, *,
              prefer: Literal["past", "future"] = "past", what: str = "--at",
              dates: bool = False) -> Recorded:
    """``value`` typed by a person: ISO 8601 (with or without an offset, or a
    date) or relative words, read relative to ``now`` in ``tz``.

    ``prefer`` picks "friday" last week ("past", for when something
    happened) or next week ("future", for a date the employer gave). With
    ``dates`` a value naming a day without a time stays a date."""
    text = value.strip()
    if not text:
        raise UsageError(f"{what}: no time given", hint=_EXAMPLES)
    parsed = _iso_value(text)
    if isinstance(parsed, datetime):
        try:
            check_year(parsed, text)
        except ValueError as err:
            raise UsageError(f"{what}: {err}", code="RULES-E022") from None
        if parsed.tzinfo is not None:  # an explicit offset: kept as given
            moment = parse_moment(parsed, tz)
            return Recorded(moment, _iso(parsed, offset=True))
        moment, stored, warnings = _from_local(parsed, tz, zone_name)
        return Recorded(moment, stored, warnings=tuple(warnings))
    if isinstance(parsed, date):
        return _day(parsed, tz, zone_name, dates)
    relative = _relative(text, tz, now, prefer, what)
    if isinstance(relative, date) and not isinstance(relative, datetime):
        return _day(relative, tz, zone_name, dates, relative_text=text)
    moment, stored, warnings = _from_local(relative, tz, zone_name)
    return Recorded(moment, stored, warnings=tuple(warnings))


def _day(day: date, tz: tzinfo, zone_name: str, dates: bool, relative_text: str | None = None
         ) -> Recorded:
    try:
        check_year(datetime.combine(day, time()), day.isoformat())
    except ValueError as err:
        raise UsageError(str(err), code="RULES-E022") from None
    if dates:
        return Recorded(parse_moment(day, tz), day.isoformat(), date_only=True)
    moment, stored, warnings = _from_local(datetime.combine(day, time()), tz, zone_name)
    if relative_text is not None:
        warnings.insert(0, f"'{relative_text}' gives no time of day: recorded 00:00; "
                        f"add one for a precise order, e.g. '{relative_text} 14:00'")
    return Recorded(moment, stored, warnings=tuple(warnings))


def _iso_value(text: str) -> datetime | date | None:
    if len(text) == 10 and text[4:5] == "-" and text[7:8] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if not text[:4].isdigit() or text[4:5] != "-":
        return None
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text[:11] else text)
    except ValueError:
        return None


def _relative(text: str, tz: tzinfo, now: datetime, prefer: str, what: str) -> datetime | date:
    """Relative words read by dateparser; a ``date`` when no time was given
    (except "today", "now" and "tomorrow", which keep the current time)."""
    from dateparser.date import DateDataParser
    from dateparser.timezone_parser import pop_tz_offset_from_string

    if text[:4].isdigit() and text[4:5] == "-":  # an ISO look-alike that did not parse
        raise UsageError(f"{what}: {text!r} is not a valid ISO 8601 date and time", code="RULES-E022",
                         hint="e.g. 2026-11-16T10:00 or 2026-11-16T10:00-05:00")
    _, zone = pop_tz_offset_from_string(text)
    if zone is not None:
        raise UsageError(f"{what}: {text!r} names a time zone ({zone.tzname(None) or zone})",
                         code="RULES-E022",
                         hint="times are local to the log's zone; for another offset give ISO "
                              "8601, e.g. 2026-11-16T10:00-05:00")
    base = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    parser = DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": prefer, "RETURN_TIME_AS_PERIOD": True,
        "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": False})
    try:
        data = parser.get_date_data(text)
    except (ValueError, OverflowError, TypeError):
        data = None
    if data is None or data.date_obj is None:
        raise UsageError(f"{what}: cannot read {text!r} as a time", code="RULES-E022",
                         hint=_EXAMPLES)
    found: datetime = data.date_obj.replace(tzinfo=None, microsecond=0)
    if data.period == "day" and found.time() == time() or data.period in ("week", "month", "year"):
        return found.date()
    return found
