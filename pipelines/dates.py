"""Chinese and numeric date strings to ISO 8601: a pure function, no Scrapy."""

from __future__ import annotations

import re
from datetime import date

DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})[:时](?P<M>\d{2})(?:[:分](?P<S>\d{2}))?)?"
)


def normalise_date(text: str | None) -> str | None:
    """The first date in ``text`` as "YYYY-MM-DD" (with "THH:MM:SS" when a time follows)."""
    match = DATE.search(text or "")
    if not match:
        return None
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    if match["H"] is None:
        return day.isoformat()
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return day.isoformat()
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}"
