"""Reading moments and time zones from logs and from the command line."""

from __future__ import annotations

import difflib
from datetime import date, datetime, time, timedelta, tzinfo, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["get_zone", "parse_moment", "pinned", "zone_suggestion", "localize", "check_year",
           "FIRST_YEAR", "LAST_YEAR"]


#: Names in the zone database that stand for whatever the host is set to:
#: a log naming one would give different advice on different machines.
HOST_ZONES = frozenset({"localtime", "posixrules"})


def get_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``ValueError`` with a hint if unknown
    (or if it names the host's own setting, see :data:`HOST_ZONES`)."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"unknown time zone {name!r}")
    if name.rpartition("/")[2].lower() in HOST_ZONES:
        raise ValueError(f"time zone {name!r} means this computer's own setting, which differs "
                         "from machine to machine")
    return _zone(name)


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    # cached apart from the checks: a list or a mapping (from a broken log)
    # must be a ValueError, not the cache's TypeError "unhashable type"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}") from None


def zone_suggestion(name: str) -> str:
    from zoneinfo import available_timezones

    if isinstance(name, str) and name.rpartition("/")[2].lower() in HOST_ZONES:
        return "name the zone itself, such as America/New_York or Europe/London"
    from engine.input.zones import abbreviation_hint

    abbreviation = abbreviation_hint(name)  # "CST" means Chicago, not "UCT"
    if abbreviation is not None:
        return abbreviation
    match = difflib.get_close_matches(str(name), sorted(available_timezones()), n=1, cutoff=0.5)
    if match:
        return f"did you mean '{match[0]}'? (IANA names such as America/New_York)"
    return "use an IANA name such as America/New_York or Europe/London"


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """Attach ``tz`` to a wall-clock time. In a DST gap the time moves forward
    by the gap; in a repeated hour the first occurrence is taken."""
    aware = naive.replace(tzinfo=tz, fold=0)
    # A round trip through UTC normalises non-existent (gap) wall times.
    return aware.astimezone(timezone.utc).astimezone(tz)


_FIXED_ZONES: dict[timedelta, timezone] = {}


def _fixed_zone(offset: timedelta) -> timezone:
    """One shared ``timezone`` per offset (datetimes with the same tzinfo
    object compare and subtract by their fields, the quickest way)."""
    zone = _FIXED_ZONES.get(offset)
    if zone is None:
        if len(_FIXED_ZONES) >= 256:  # offsets are few; bound it anyway
            _FIXED_ZONES.clear()
        zone = _FIXED_ZONES[offset] = timezone(offset)
    return zone


def pinned(moment: datetime) -> datetime:
    """``moment`` with the fixed UTC offset in force at that instant.

    Python compares and subtracts two datetimes that share a tzinfo by their
    wall-clock readings, ignoring DST: with a ZoneInfo on both sides, noon to
    noon across the spring change is 24 hours and the repeated autumn hour
    sorts out of order. Fixed offsets give the order and differences of the
    instants, and still print (and convert) as local time."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("a moment without a time zone cannot be pinned")
    return datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                    moment.second, moment.microsecond, _fixed_zone(offset))


#: The zones whose ``utcoffset`` reads ``fold`` as PEP 495 says (another
#: tzinfo, one ignoring ``fold``, could miss a skipped time): the quick path
#: of :func:`_local_pinned` is for them.
_FOLD_AWARE = (ZoneInfo, timezone)


def _local_pinned(naive: datetime, tz: tzinfo) -> datetime:
    """``pinned(localize(naive, tz))``, in a quarter of the time where the
    wall time is neither skipped nor repeated (the offset is the same for
    both readings of it, ``fold`` 0 and 1) in a ZoneInfo or fixed zone: one
    offset lookup and one constructor instead of three conversions. (``datetime.replace`` costs
    more than the positional constructor.)"""
    y, mo, d, h, mi, s, us = (naive.year, naive.month, naive.day, naive.hour, naive.minute,
                              naive.second, naive.microsecond)
    offset = tz.utcoffset(naive) if type(tz) in _FOLD_AWARE else None
    if offset is not None and offset == tz.utcoffset(datetime(y, mo, d, h, mi, s, us, None, fold=1)):
        return datetime(y, mo, d, h, mi, s, us, _fixed_zone(offset))
    return pinned(localize(naive, tz))


def parse_moment(value: object, tz: tzinfo, *, allow_date: bool = True) -> datetime:
    """An ISO 8601 date-time (or, if allowed, a date = 00:00 local) as an aware
    datetime with the offset ``tz`` has at that instant. Without an offset it
    is local time in ``tz``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        if not allow_date:
            raise ValueError("a time is needed here, not just a date")
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4:5] == "-":
            if not allow_date:
                raise ValueError(f"{value!r} is a date; a time is needed here (e.g. {text}T09:00)")
            try:
                moment = datetime.combine(date.fromisoformat(text), time())
            except ValueError:
                raise ValueError(f"{value!r} is not a valid date (YYYY-MM-DD)") from None
        else:
            try:
                moment = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text[:11] else text)
            except ValueError:
                raise ValueError(f"{value!r} is not an ISO 8601 date and time "
                                 "(e.g. 2026-11-16T10:00 or 2026-11-16T10:00-05:00)") from None
    else:
        raise ValueError(f"expected a date and time, got {type(value).__name__} {value!r}")
    check_year(moment, value)
    if moment.tzinfo is None:
        return _local_pinned(moment, tz)
    return pinned(moment.astimezone(tz))


#: The years a moment may fall in: far from datetime's limits (1 and 9999),
#: so that zone offsets, horizons and plans never overflow.
FIRST_YEAR, LAST_YEAR = 1000, 8999


def check_year(moment: datetime, shown: object = None) -> None:
    """``ValueError`` unless ``moment`` is within FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{moment if shown is None else shown!r} is out of range: "
                         f"years {FIRST_YEAR} to {LAST_YEAR} are supported")
