"""Report dates and event dates.

The report date comes from a ``date YYYY-MM-DD`` header line, else a wire dateline
("ALEPPO, March 4. /TASS/.") with its year from the reference date, else the reference date.
A sentence's own date is an explicit day ("on 12 March", "March 12, 2021", "12.03.2021"), a
relative day ("on Tuesday", "yesterday", "today") resolved against the report date, or a
period ("between 8 and 11 July", "last week", "in March"), which dates nothing.
Explicit dates are parsed with dateutil.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as du_parser

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_M = rf"(?:{_MONTHS})\.?"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

HEADER_RE = re.compile(r"^\s*date\s*:?\s*(\d{4}-\d{2}-\d{2})\s*$", re.I | re.M)
ISSUED_RE = re.compile(rf"^\s*(?:issued|published|as of|date)\s*:?\s*(\d{{1,2}}\s+{_M}\s+\d{{4}}|{_M}\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})", re.I | re.M)
DATELINE_RE = re.compile(
    rf"^\s*([A-Z][A-Za-z'’\-]+(?:[ \-][A-Za-z'’\-]+){{0,3}})\s*(?:/[^/\n]{{1,40}}/)?\s*(?:\([^)\n]{{1,40}}\))?\s*,\s*"
    rf"(?P<date>{_M}\s+\d{{1,2}}|\d{{1,2}}\s+{_M})\b\s*(?:,\s*\d{{4}})?",
    re.M,
)
_PERIOD_RE = re.compile(
    rf"\b(?:between|from)\s+(?:\d{{1,2}}\s+(?:{_M}\s+)?(?:and|to|-)\s+\d{{1,2}}\s+{_M}|{_M}\s+\d{{1,2}}\s+(?:and|to|-)\s+\d{{1,2}})"
    rf"|\b\d{{1,2}}\s*[-–]\s*\d{{1,2}}\s+{_M}"
    r"|\b(?:last|past|this|previous|coming)\s+(?:week|month|year|weekend|few\s+days|several\s+days)\b"
    rf"|\b(?:in|during|throughout|for)\s+(?:early\s+|mid-?|late\s+)?{_M}(?:\s+\d{{4}})?\b(?!\s+\d)"
    rf"|\b(?:in\s+)?the\s+(?:week|month|fortnight|period)\s+(?:to|ending|up\s+to|until)\s+(?:\d{{1,2}}\s+{_M}|{_M}\s+\d{{1,2}})"
    r"|\b(?:in|during)\s+(?:19|20)\d\d\b|\bover\s+the\s+(?:past|last)\s+(?:week|month|year|few\s+days|\w+\s+(?:days|weeks|months))\b",
    re.I,
)
_EXPLICIT_RE = re.compile(
    rf"\b(?:on\s+)?(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
    rf"(?P<d>\d{{1,2}}(?:st|nd|rd|th)?\s+{_M}(?:,?\s+\d{{4}})?|{_M}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\.\d{{1,2}}\.\d{{4}})\b",
    re.I,
)
_WEEKDAY_RE = re.compile(r"\b(?:on|last|this)?\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_RELATIVE_RE = re.compile(r"\b(yesterday|today|tonight|this morning|this afternoon|this evening|overnight|last night)\b", re.I)
_PAST_DAY_RE = re.compile(r"\b(?:past|last|previous)\s+(?:24|twenty-four)[\s-]*(?:hours|hrs|hr|h)\b|\b(?:over|in|during)\s+the\s+(?:past|last)\s+day\b|\bover\s+the\s+past\s+24\s+hours\b", re.I)
_TOTAL_RE = re.compile(r"\b(?:in\s+total|a\s+total\s+of|bringing\s+the\s+total|since\s+(?:the\s+(?:start|beginning)|\d{1,2}\s+[A-Z][a-z]+|[A-Z][a-z]+|\d{4}|\w+\s+\d{4})|to\s+date|so\s+far|altogether|overall|cumulative(?:ly)?)\b", re.I)


@dataclass(frozen=True)
class DateMention:
    date: dt.date | None
    precision: str  # "day", "month" or "period"
    start: int
    end: int


@dataclass(frozen=True)
class ReportDates:
    """What the whole report says about time."""

    report_date: dt.date | None
    dateline: tuple[int, int] | None  # span of the dateline (its place is not an event place)
    dateline_place: tuple[int, int] | None
    has_dateline: bool
    past_day_bulletin: bool
    header: tuple[int, int] | None


def _parse(text: str, default: dt.date | None) -> dt.date | None:
    if default is None and not re.search(r"\d{4}", text):
        return None  # "12 October" with no report date: the year is unknown, so is the date
    base = dt.datetime.combine(default or dt.date(2000, 1, 1), dt.time())
    try:
        d = du_parser.parse(text.replace(".", " ") if re.match(r"^[A-Za-z]", text) else text, default=base, dayfirst=True, fuzzy=True).date()
    except (ValueError, OverflowError):
        return None
    if default and not re.search(r"\d{4}", text) and d > default + dt.timedelta(days=31):
        # "December 30" read in a January report is last year's
        d = d.replace(year=d.year - 1)
    return d


def report_dates(text: str, reference_date: dt.date | None) -> ReportDates:
    """Find the header, dateline and bulletin character of a report."""
    head = text[:400]
    header = HEADER_RE.search(head)
    report = dt.date.fromisoformat(header.group(1)) if header else None
    dl = DATELINE_RE.search(head)
    dateline = None
    dateline_place = None
    if dl and (header is None or dl.start() >= header.end() - 1) and dl.start() < 200:
        # a dateline is a dateline even when its year is unknown (no header, no reference date)
        dateline = (dl.start(), dl.end())
        dateline_place = (dl.start(1), dl.end(1))
        d = _parse(dl.group("date"), report or reference_date)
        if report is None and d is not None:
            report = d
    if report is None and header is None:
        issued = ISSUED_RE.search(head)
        if issued:
            report = _parse(issued.group(1), reference_date)
    if report is None:
        report = reference_date
    return ReportDates(
        report_date=report,
        dateline=dateline,
        dateline_place=dateline_place,
        has_dateline=dateline is not None,
        past_day_bulletin=bool(_PAST_DAY_RE.search(text)),
        header=(header.start(1), header.end(1)) if header else None,
    )


def sentence_date(text: str, start: int, end: int, report_date: dt.date | None) -> DateMention | None:
    """The date a sentence states for itself (day, or a period that dates nothing)."""
    s = text[start:end]
    p = _PERIOD_RE.search(s)
    for m in _EXPLICIT_RE.finditer(s):
        if p and p.start() <= m.start() < p.end():
            continue
        if re.search(r"\b(?:until|till|by|before|after)\s+(?:the\s+)?$", s[max(0, m.start() - 12):m.start()], re.I) or \
                re.search(r"\bsince\b[^,;]{0,40}$", s[max(0, m.start() - 48):m.start()], re.I):
            continue  # "since 1 January, a total of ..." is a running total, not the event's day
        d = _parse(m.group("d"), report_date)
        if d is not None:
            return DateMention(d, "day", start + m.start("d"), start + m.end("d"))
    r = _RELATIVE_RE.search(s)
    if r and report_date is not None:
        word = r.group(1).lower()
        delta = 1 if word in ("yesterday", "last night") else 0
        return DateMention(report_date - dt.timedelta(days=delta), "day", start + r.start(1), start + r.end(1))
    w = _WEEKDAY_RE.search(s)
    if w and re.search(r"\bsince\s+$", s[max(0, w.start(1) - 8):w.start(1)], re.I):
        w = None
    if w and report_date is not None:
        target = _WEEKDAYS.index(w.group(1).lower())
        back = (report_date.weekday() - target) % 7
        return DateMention(report_date - dt.timedelta(days=back), "day", start + w.start(1), start + w.end(1))
    if p:
        precision = "month" if re.search(rf"\b(?:in|during|throughout)\s+(?:early\s+|mid-?|late\s+)?{_M}", p.group(0), re.I) else "period"
        return DateMention(None, precision, start + p.start(), start + p.end())
    return None


def is_running_total(sentence: str) -> bool:
    return bool(_TOTAL_RE.search(sentence))


def mentions_past_day(sentence: str) -> bool:
    return bool(_PAST_DAY_RE.search(sentence))


def as_date(value: dt.date | str | None) -> dt.date | None:
    """A reference date given as a date, an ISO string or None."""
    from .errors import InputError

    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(f"reference_date must be a date or an ISO string, got {type(value).__name__}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"reference_date {value!r} is not an ISO date (YYYY-MM-DD)") from None
