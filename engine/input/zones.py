"""Time-zone abbreviations people type (EST, CST, CET…) and the IANA zone
they most likely mean: a close spelling ("CST" → "UCT") is the wrong advice
for them. Some abbreviations are themselves IANA names (EST, MST, HST, CET,
EET, WET, MET, EST5EDT…), kept for old systems: accepted, but most are a
fixed offset with no daylight saving time, so a user is warned."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["ABBREVIATIONS", "abbreviation_hint", "abbreviation_warning"]

#: abbreviation → (the zone to suggest, others it may stand for)
ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "EST": ("America/New_York", ""), "EDT": ("America/New_York", ""),
    "EST5EDT": ("America/New_York", ""),
    "CST": ("America/Chicago", "China: Asia/Shanghai; Cuba: America/Havana"),
    "CDT": ("America/Chicago", ""), "CST6CDT": ("America/Chicago", ""),
    "MST": ("America/Denver", "Arizona, no DST: America/Phoenix"), "MDT": ("America/Denver", ""),
    "MST7MDT": ("America/Denver", ""),
    "PST": ("America/Los_Angeles", ""), "PDT": ("America/Los_Angeles", ""),
    "PST8PDT": ("America/Los_Angeles", ""),
    "AKST": ("America/Anchorage", ""), "AKDT": ("America/Anchorage", ""),
    "HST": ("Pacific/Honolulu", ""),
    "AST": ("America/Halifax", "Puerto Rico: America/Puerto_Rico"), "ADT": ("America/Halifax", ""),
    "NST": ("America/St_Johns", ""), "NDT": ("America/St_Johns", ""),
    "BST": ("Europe/London", ""),
    "IST": ("Asia/Kolkata", "Ireland: Europe/Dublin; Israel: Asia/Jerusalem"),
    "WET": ("Europe/Lisbon", ""), "WEST": ("Europe/Lisbon", ""),
    "CET": ("Europe/Paris", "or your city, e.g. Europe/Berlin"),
    "CEST": ("Europe/Paris", "or your city, e.g. Europe/Berlin"),
    "MET": ("Europe/Paris", "or your city, e.g. Europe/Berlin"),
    "EET": ("Europe/Athens", "or your city, e.g. Europe/Helsinki"),
    "EEST": ("Europe/Athens", "or your city, e.g. Europe/Helsinki"),
    "MSK": ("Europe/Moscow", ""),
    "JST": ("Asia/Tokyo", ""), "KST": ("Asia/Seoul", ""), "SGT": ("Asia/Singapore", ""),
    "HKT": ("Asia/Hong_Kong", ""),
    "AEST": ("Australia/Sydney", ""), "AEDT": ("Australia/Sydney", ""),
    "ACST": ("Australia/Adelaide", ""), "AWST": ("Australia/Perth", ""),
    "NZST": ("Pacific/Auckland", ""), "NZDT": ("Pacific/Auckland", ""),
}


def abbreviation_hint(name: object) -> str | None:
    """The hint for ``name`` if it is a known abbreviation, else None."""
    if not isinstance(name, str) or name.upper() not in ABBREVIATIONS:
        return None
    zone, others = ABBREVIATIONS[name.upper()]
    return (f"{name} is an abbreviation, not a zone name: did you mean '{zone}'?"
            + (f" ({others})" if others else ""))


def abbreviation_warning(name: str) -> str | None:
    """A warning for a zone ``name`` that is valid but an abbreviation (a
    fixed offset, or a region's rules rather than a place's), else None."""
    if name not in ABBREVIATIONS:
        return None
    zone, others = ABBREVIATIONS[name]
    try:
        tz = ZoneInfo(name)
        winter, summer = (datetime(2026, 1, 15, tzinfo=tz).utcoffset(),
                          datetime(2026, 7, 15, tzinfo=tz).utcoffset())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    kind = "a fixed offset with no daylight saving time" if winter == summer else \
        "an old region-wide rule, not a place"
    return (f"time zone {name} is {kind}; use the name of a place, e.g. {zone}"
            + (f" ({others})" if others else ""))
