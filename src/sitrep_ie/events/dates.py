"""Report dates and event dates.

The report date comes from a ``date YYYY-MM-DD`` header line, else a wire dateline
("ALEPPO, March 4. /TASS/.", or date first: "June 9, 2020 (KHARTOUM) -") with its year from the reference
date, else the reference date.
A sentence's own date is an explicit day ("on 12 March", "March 12, 2021", "12.03.2021"), a
relative day ("on Tuesday", "yesterday", "today") resolved against the report date, or a
period ("between 8 and 11 July", "last week", "in March"), which dates nothing.
Explicit dates are parsed with dateutil.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from dateutil import parser as du_parser

from .lexicon import Lexicon
from .segment import Segment

# "date 2017-11-02" on a line of its own, or heading the dateline line as wire items arrive
# (" date 2017-11-02 HMEIMIM /Syria/, November 2. /TASS/. ...")
HEAD_CHARS = 400  # where a report's header and dateline are looked for
HEADER_RE = re.compile(r"^\s*date\s*:?\s*(\d{4}-\d{2}-\d{2})(?=\s|$)", re.I | re.M)


@dataclass(frozen=True)
class _Patterns:
    issued: re.Pattern[str]
    title_date: re.Pattern[str]  # a title line ending in its date in brackets: "Briefing of the Centre ... (12 September 2017)"
    dateline: re.Pattern[str]
    dateline_inline: re.Pattern[str]  # the same dateline right after a header on its line
    dateline_date_first: re.Pattern[str]  # "June 9, 2020 (KHARTOUM) - ..."
    dateline_agency_date: re.Pattern[str]  # "MOSCOW (Sputnik - 02nd March, 2019) The ..."
    dateline_agency_date_inline: re.Pattern[str]  # the same right after a header on its line
    period: re.Pattern[str]
    explicit: re.Pattern[str]
    month_period: re.Pattern[str]
    log_entry: re.Pattern[str]  # "Aug 15 - " opening a line of a field log


_PLACE_WORD = r"[A-Z][A-Za-z'’\-]+"
_DATELINE_PLACE = rf"{_PLACE_WORD}(?:[ \-][A-Za-z'’\-]+){{0,3}}"  # "KHARTOUM", "Deir ez-Zor"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"


def _dateline_body(m: str) -> str:
    """PLACE[, Country] [/COUNTRY/] [(AGENCY)], Month D[th][, YYYY] or D[th] Month[ YYYY] or DD.MM.YYYY (the place is group
    "place", the agency in brackets group "agency", the day and year group "date")."""
    return (rf"[ \t]*(?P<place>{_DATELINE_PLACE}(?:,[ \t]*{_PLACE_WORD}(?: {_PLACE_WORD})?(?=[ \t]*,))?)"
            rf"\s*(?:/[^/\n]{{1,40}}/)?\s*(?P<agency>\([^)\n]{{1,40}}\))?\s*,\s*"
            rf"(?P<date>(?:{m}\s+{_DAY}|{_DAY}\s+{m})(?:,?\s+\d{{4}})?|\d{{1,2}}\.\d{{1,2}}\.\d{{4}})\b")


# A wire dateline without a date: an upper-case place opening a line, then a colon or a dash and the story
# ("BEIRUT: Air strikes ...", "SULAIMANI — Two soldiers ..."); see ``_undated_dateline`` for what tells it from a title
# A place in title case, of up to three words, is one only with the agency in brackets after it ("Geneva/Baghdad (ICRC) –
# The ...", "Quang Tri (VNA) - The ..."): a title case word before a dash is as often a headline's.
UNDATED_DATELINE_RE = re.compile(rf"^[ \t]*(?P<place>[A-Z]{{3,}}(?:[ \-/][A-Z]{{2,}}){{0,2}}|{_PLACE_WORD}(?:[ /]{_PLACE_WORD}){{0,2}}(?=[ \t]*\([A-Z]{{2,}}))"
                                 r"[ \t]*(?P<agency>\([^)\n]{1,40}\))?[ \t]*(?::|—|–|--?)[ \t]+(?=[A-Z\"“])", re.M)


# The agency a dateline names after its date ("November 2. /TASS/.", "Jan 12 (Xinhua) --", "SEPTEMBER 30, ARTSAKHPRESS:");
# one in brackets before the date or the dash is the dateline's "agency" group. A sentence starts after it.
AGENCY_AFTER_RE = re.compile(r"[ \t]*[.,]?[ \t]*(?P<agency>/[^/\n]{1,30}/|\([^)\n]{1,30}\)|[A-Z][A-Z\-]{2,}(?=[ \t]*:))")


def _initials(place: str, agency: str | None) -> bool:
    """Is the bracket after a title-case "place" its own initials, an organisation's name rather than a dateline's
    place ("Danish Demining Group (DDG) – ...")?

    >>> _initials("Danish Demining Group", "(DDG)"), _initials("Quang Tri", "(VNA)")
    (True, False)
    """
    words = re.split(r"[ /]+", place)
    return agency is not None and len(words) > 1 and "".join(w[0] for w in words).upper() == agency.strip("() ").upper()


def _undated_dateline(head: str) -> re.Match[str] | None:
    """An undated wire dateline, whose line runs on as a sentence. Titles of UN updates open the same way
    ("SUDAN: Thousands flee Sinja - Flash Update No. 3", "KYIV - UNHCR Ukraine Operational Update") but stop short of a
    full stop, and their reports are not dated by them (SPEC)."""
    m = UNDATED_DATELINE_RE.search(head)
    if m is None or _initials(m.group("place"), m.group("agency")):
        return None
    end = head.find("\n", m.end())
    line = head[m.end():] if end < 0 else head[m.end():end]
    runs_on = end < 0 and len(head) == HEAD_CHARS  # the line goes on past what was read: a paragraph
    return m if len(line.split()) >= 6 and (runs_on or line.rstrip().endswith((".", '"', "”"))) else None


@lru_cache(maxsize=8)
def _patterns(lex: Lexicon) -> _Patterns:
    m = lex.month + r"\.?"
    dm = rf"(?i:{m})"  # wire datelines print the month in capitals too ("STEPANAKERT, SEPTEMBER 30, ARTSAKHPRESS:")
    full_date = rf"{dm}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+{dm},?\s+\d{{4}}"  # "June 9, 2020", "02nd March, 2019"
    agency_date = (rf"[ \t]*(?P<place>{_DATELINE_PLACE})[ \t]*\((?P<agency>[A-Z][^()\n\-–—]{{0,30}}?)[ \t]*[-–—][ \t]*"
                   rf"(?P<date>{full_date})\)")
    return _Patterns(
        # the year may be left out ("... (13 October)"): the reference date's, as a dateline's
        title_date=re.compile(rf"\s*[^\n]*\((?P<date>{full_date}|{dm}\s+{_DAY}|{_DAY}\s+{dm})\)[ \t]*(?:\n|$)"),
        issued=re.compile(rf"^\s*{lex.issued}\s*(?:on\s+)?:?\s*(\d{{1,2}}\s+{m}\s+\d{{4}}|{m}\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\.\d{{1,2}}\.\d{{4}})", re.I | re.M),
        dateline=re.compile("^" + _dateline_body(dm), re.M),
        dateline_inline=re.compile(_dateline_body(dm)),
        dateline_date_first=re.compile(
            rf"^[ \t]*(?P<date>{full_date})[ \t]*\((?P<place>{_DATELINE_PLACE})\)[ \t]*(?:—|–|--?|:)",
            re.M),
        dateline_agency_date=re.compile("^" + agency_date, re.M),
        dateline_agency_date_inline=re.compile(agency_date),
        period=re.compile(
            rf"\b(?:between|from)\s+(?:\d{{1,2}}\s+(?:{m}\s+)?(?:and|to|-)\s+\d{{1,2}}\s+{m}|{m}\s+\d{{1,2}},?\s+(?:and|to|-)\s+(?:{m}\s+)?\d{{1,2}})"
            rf"|\b\d{{1,2}}\s*[-–]\s*\d{{1,2}}\s+{m}"
            # a span across two months, joined by a dash with or without spaces ("28 December-6 January", "May 30 – June 2")
            rf"|\b\d{{1,2}}\s+{m}\s*[-–]\s*\d{{1,2}}\s+{m}|{m}\s+\d{{1,2}}\s*[-–]\s*{m}\s+\d{{1,2}}\b"
            rf"|{lex.period_phrase}"
            rf"|\b(?:in|during|throughout|for)\s+(?:early\s+|mid-?|late\s+)?{m}(?:\s+\d{{4}})?\b(?!\s+\d)"
            rf"|\b(?:in\s+)?the\s+(?:week|month|fortnight|period)\s+(?:to|ending|up\s+to|until)\s+(?:\d{{1,2}}\s+{m}|{m}\s+\d{{1,2}})"
            r"|\b(?:in|during)\s+(?:19|20)\d\d\b|\bover\s+the\s+(?:past|last)\s+(?:week|month|year|few\s+days|\w+\s+(?:days|weeks|months))\b"
            # two days at once ("on 9 and 10 October", "on Saturday and Sunday") and spans of days ("over three days")
            rf"|\b\d{{1,2}}\s+and\s+\d{{1,2}}\s+{m}|{m}\s+\d{{1,2}}\s+and\s+\d{{1,2}}\b"
            rf"|\b{lex.weekday_names}\s+and\s+{lex.weekday_names}\b"
            r"|\bover\s+(?:\d+|two|three|four|five|six|seven|ten|several)\s+(?:days|weeks|months)\b"
            r"|\b(?:in|during)\s+the\s+first\s+\w+\s+(?:days|weeks)\b",
            re.I),
        explicit=re.compile(
            rf"\b(?:on\s+)?(?:{lex.weekday_names},?\s+)?"
            rf"(?P<d>\d{{1,2}}(?:st|nd|rd|th)?\s+{m}(?:,?\s+\d{{4}})?|{m}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\.\d{{1,2}}\.\d{{4}})\b",
            re.I),
        month_period=re.compile(rf"\b(?:in|during|throughout)\s+(?:early\s+|mid-?|late\s+)?{m}", re.I),
        log_entry=re.compile(rf"[ \t]*(?P<d>{m}\s+{_DAY}|{_DAY}\s+{m})[ \t]*(?:—|–|-|:)[ \t]"),
    )


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
    wire_dateline: bool  # a wire dateline: it dates the sentences that state no date (a title line only dates the report)
    past_day_bulletin: bool
    header: tuple[int, int] | None
    dateline_agency: tuple[int, int] | None = None  # the news agency the dateline names ("/TASS/", "(Xinhua)"): never a doer


def _parse(text: str, default: dt.date | None) -> dt.date | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:  # ISO is year-month-day whatever dayfirst says ("2017-11-02" is never 11 February)
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            return None
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


_LOWER_WORD = re.compile(r"\b[a-z]{4,}\b")
_ONLY_PUNCTUATION = re.compile(r"[\s.,:;/()\-–—]*")


def _wire_dateline(head: str, dl: re.Match[str]) -> bool:
    """Whether a dateline opens a wire story, whose undated sentences take its date (GUIDELINES 4.5, rule 5).

    A title line that only carries a date ("Operational update, 22 August 2019", "UNMISS weekly press
    briefing, Juba, 9 August 2017", "Riyadh, 16 April 2019" alone on its line) dates the report, not its
    sentences: the updates and briefings under such titles leave an undated sentence undated.
    """
    if _LOWER_WORD.search(head[slice(*dl.span("place"))]):
        return False  # "Operational update": no place is named in lower-case words
    end = head.find("\n", dl.end())
    return end < 0 or not _ONLY_PUNCTUATION.fullmatch(head[dl.end():end])


def _titles_only(before: str) -> bool:
    """Whether the lines above a dateline are a wire item's headline and standfirst (at most three lines, none
    ending a sentence), which may push the dateline past the first 200 characters."""
    lines = [line.strip() for line in before.splitlines() if line.strip()]
    return len(lines) <= 3 and not any(line.endswith((".", ":")) for line in lines)


def report_dates(text: str, reference_date: dt.date | None, lex: Lexicon) -> ReportDates:
    """Find the header, dateline and bulletin character of a report."""
    head = text[:HEAD_CHARS]
    header = HEADER_RE.search(head)
    report = dt.date.fromisoformat(header.group(1)) if header else None
    pat = _patterns(lex)
    dl = pat.dateline.search(head) or pat.dateline_date_first.search(head) or pat.dateline_agency_date.search(head)
    if header is not None and (inline := pat.dateline_inline.match(head, header.end())
                               or pat.dateline_agency_date_inline.match(head, header.end())):
        dl = inline
    undated = dl is None  # then only a dateline without a date can be there
    if undated:
        dl = _undated_dateline(head)
    dateline = None
    dateline_place = dateline_agency = None
    wire = False
    if dl and (header is None or dl.start() >= header.end() - 1) and (dl.start() < 200 or _titles_only(head[:dl.start()])):
        # a dateline is a dateline even when its year is unknown (no header, no reference date)
        dateline = (dl.start(), dl.end())
        if dl.groupdict().get("agency"):  # "MOSCOW (Sputnik) - ...", "GENEVA (WAM), 10 June"
            dateline_agency = dl.span("agency")
        elif not undated and (agency := AGENCY_AFTER_RE.match(head, dl.end())):
            dateline_agency = agency.span("agency")
        wire = _wire_dateline(head, dl)
        dateline_place = dl.span("place")
        d = None if undated else _parse(dl.group("date"), report or reference_date)
        if report is None and d is not None:
            report = d
    if report is None and header is None:
        issued = pat.issued.search(head)
        if issued:
            report = _parse(issued.group(1), reference_date)
        elif title := pat.title_date.match(head):
            report = _parse(title.group("date"), reference_date)
    if report is None:
        report = reference_date
    return ReportDates(
        report_date=report,
        dateline=dateline,
        dateline_place=dateline_place,
        wire_dateline=wire,
        # a bulletin says in its opening that it covers the past day; an update that says so of one item further down
        # ("- In the past 24 hours, WFP distributed ...") dates that item only (mentions_past_day)
        past_day_bulletin=bool(lex.past_day.search(text, 0, HEAD_CHARS) or lex.daily_title.search(text, 0, HEAD_CHARS)),
        header=(header.start(1), header.end(1)) if header else None,
        dateline_agency=dateline_agency,
    )


def _distance(m: DateMention, anchor: tuple[int, int]) -> int:
    return max(m.start - anchor[1], anchor[0] - m.end, 0)


_SINCE_BEFORE = re.compile(r"\bsince\b[^,;]{0,40}$", re.I)
_SINCE_OPENING = re.compile(r"\W*since\b[^,;]*", re.I)  # a sentence that opens with a "since" clause
_WHEN_AFTER = re.compile(r"\s*,?\s*when\b", re.I)


def _since_bound(s: str, at: int, end: int, anchor: int | None) -> bool:
    """Whether the day at ``s[at:end]`` starts a count ("fled since Sunday", "killed since fighting began on 3 April"):
    it dates no event then, unless the event's trigger (``anchor``, relative to ``s``) is the one the "since" clause
    states ("since fighting erupted on 3 April", "since Monday, when a device went off in the market, killing nine")."""
    since = _SINCE_BEFORE.search(s, max(0, at - 48), at)
    if since is None:
        return False
    if anchor is None:
        return True
    inside = since.start() <= anchor < at or (anchor >= end and _WHEN_AFTER.match(s, end) is not None
                                               and ";" not in s[end:anchor])
    return not inside


def starts_a_count(text: str, sent: Segment, day: tuple[int, int], anchor: tuple[int, int]) -> bool:
    """Whether, read from the trigger at ``anchor``, the day stated at ``day`` in sentence ``sent`` starts a count
    ("144 people have been killed since fighting erupted on 3 April"): what is counted from a day is not of that day."""
    if not sent.start <= day[0] < sent.end:
        return False
    s = text[sent.start:sent.end]
    return _since_bound(s, day[0] - sent.start, day[1] - sent.start, anchor[0] - sent.start)


def _sentence_dates(text: str, start: int, end: int, report_date: dt.date | None, lex: Lexicon,
                    anchor: tuple[int, int] | None = None) -> list[DateMention]:
    """Every day a sentence states, in order of preference (explicit days, relative days, weekdays), then its period.
    With ``anchor`` (the trigger), a day a "since" clause names is kept when that clause states the trigger's event."""
    s = text[start:end]
    pat = _patterns(lex)
    p = pat.period.search(s)
    at = None if anchor is None else anchor[0] - start
    found = []
    for m in pat.explicit.finditer(s):
        if p and p.start() <= m.start() < p.end():
            continue
        if lex.bound_before.search(s[max(0, m.start() - 12):m.start()]) or _since_bound(s, m.start(), m.end(), at):
            continue  # "since 1 January, a total of ..." is a running total, not the event's day
        d = _parse(m.group("d"), report_date)
        if d is not None:
            found.append(DateMention(d, "day", start + m.start("d"), start + m.end("d")))
    if report_date is not None:
        for r in lex.relative.finditer(s):
            delta = lex.relative_days[" ".join(r.group(1).lower().split())]
            found.append(DateMention(report_date - dt.timedelta(days=delta), "day", start + r.start(1), start + r.end(1)))
        for w in lex.weekday.finditer(s):
            if p and p.start() <= w.start(1) < p.end():
                continue  # "on Saturday and Sunday" is a period
            if _since_bound(s, w.start(1), w.end(1), at):
                break  # "fled since Sunday, ... said on Wednesday": the count runs from Sunday; Wednesday dates the speech
            back = (report_date.weekday() - lex.weekdays.index(w.group(1).lower())) % 7
            found.append(DateMention(report_date - dt.timedelta(days=back), "day", start + w.start(1), start + w.end(1)))
    if p:  # last: a day the sentence states wins over its period (sentence_date)
        precision = "month" if pat.month_period.search(p.group(0)) else "period"
        found.append(DateMention(None, precision, start + p.start(), start + p.end()))
    return found


def sentence_date(text: str, start: int, end: int, report_date: dt.date | None, lex: Lexicon,
                  anchor: tuple[int, int] | None = None) -> DateMention | None:
    """The date a sentence states for itself (day, or a period that dates nothing); with two or more,
    the one nearest ``anchor`` (the trigger: "shelling hit the town on Tuesday and a convoy arrived on Wednesday"),
    never the day a statement was made when another is given ("said on Wednesday that ... on Tuesday")."""
    found = _sentence_dates(text, start, end, report_date, lex, anchor)
    days = [m for m in found if m.date is not None]
    # "said on Wednesday that its teams had dismantled ... on Tuesday": the statement's day gives way to another
    # day, and to a period ("removed 312 items over the past three days, the director said on Tuesday")
    reported = [m for m in days if not lex.speech_day_before.search(text, max(start, m.start - 40), m.start)]
    found = reported or [m for m in found if m.date is None] or days
    if not found:
        return None
    if anchor is None:
        return found[0]
    return min(found, key=lambda m: _distance(m, anchor))


def is_running_total(sentence: str, lex: Lexicon) -> bool:
    return bool(lex.total.search(sentence))


def mentions_past_day(sentence: str, lex: Lexicon) -> bool:
    return bool(lex.past_day.search(sentence))


def as_date(value: dt.date | str | None) -> dt.date | None:
    """A reference date given as a date, an ISO string or None."""
    from ..errors import InputError

    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(f"reference_date must be a date or an ISO string, got {type(value).__name__}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"reference_date {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _own_start(sent: Segment, rd: ReportDates) -> int:
    """Where a sentence's own words start: after the report's header or dateline when it holds them (they date
    the report, not the sentence's event)."""
    return max([sent.start, *(span[1] for span in (rd.header, rd.dateline, rd.dateline_agency) if span and span[0] < sent.end)])


def event_date(text: str, sent: Segment, rd: ReportDates, lex: Lexicon, anchor: tuple[int, int] | None = None,
               before: Sequence[Segment] = ()) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """(date, precision, span): the sentence's own day (nearest ``anchor`` when it states several), else the report
    date for past-24-hour and running-total sentences, else null for a period, else the day of the field-log line
    it stands on ("Aug 15 - ..."), else, for "the same day" or "the following day", the day the nearest of the
    sentences ``before`` it states (nearest first), else the report date in dateline and bulletin reports."""
    start = _own_start(sent, rd)
    # a day stated in a later clause is another action's ("gave rations on arrival, and on Tuesday the directorate repaired ...")
    stop = sent.end
    if anchor is not None and (later := lex.date_clause.search(text, anchor[1], sent.end)):
        stop = later.start()
    own = sentence_date(text, start, stop, rd.report_date, lex, anchor) if start < stop else None
    sentence = text[sent.start:sent.end]
    # a count stated in a later clause is another's ("airdropped 52 tonnes to Sabiid, which has been cut off since 9 November")
    clause = text[sent.start:stop]
    opening = _SINCE_OPENING.match(sentence)
    if rd.report_date is not None and opening and is_running_total(clause, lex) \
            and (anchor is None or anchor[0] >= sent.start + opening.end()):
        # "Since 1 March, a total of ...", unless the trigger is what the opening clause states ("Since fighting erupted on 3 April")
        return rd.report_date.isoformat(), "day", rd.dateline or rd.header
    if own is not None and own.date is not None:
        return own.date.isoformat(), own.precision, (own.start, own.end)
    if rd.report_date is not None and (mentions_past_day(sentence, lex) or is_running_total(clause, lex)):
        return rd.report_date.isoformat(), "day", rd.dateline or rd.header
    if own is not None:
        return None, own.precision, None
    entry = _patterns(lex).log_entry.match(text, text.rfind("\n", 0, sent.start) + 1)
    if entry is not None and entry.end() <= sent.start and (day := _parse(entry.group("d"), rd.report_date)) is not None:
        # a field log's entry ("Aug 15 - Clinics moved closer to the settlements. They vaccinated 1,020 children.")
        return day.isoformat(), "day", entry.span("d")
    if before and (ana := lex.anaphoric_day.search(text, start, sent.end)):
        for prev in before:
            # "GENEVA, 14 December - ... on Tuesday": the dateline dates the report, the sentence's own day the event
            own_start = _own_start(prev, rd)
            if own_start < prev.end and (said := sentence_date(text, own_start, prev.end, rd.report_date, lex)) is not None \
                    and said.date is not None:
                day = said.date + dt.timedelta(days=lex.anaphoric_days[" ".join(ana.group(1).lower().split())])
                return day.isoformat(), "day", (said.start, said.end)
    if rd.report_date is not None and (rd.wire_dateline or rd.past_day_bulletin):
        return rd.report_date.isoformat(), "day", rd.dateline or rd.header
    return None, None, None
