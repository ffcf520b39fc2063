"""Quantity normalisation: numbers as written -> values, qualifiers, unit lemmas, measures.

Number words go through text2num, units of measure through pint, noun lemmas through inflection;
what those libraries do not cover (scale words after digits, "a dozen", tonnes written "tons",
which words are counted nouns rather than measures) is configuration in configs/normalisation.yaml.
:func:`build_quantities` pairs tagged QUANTITY spans with their units, ranges and qualifiers.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from ..config import read_yaml, resource_path
from ..errors import ConfigError
from ..schema import Entity, Quantity, json_number, unit_lemma
from .lexicon import Lexicon, alternation
from .segment import CELL_GAP

# a number grouped in thousands by commas or spaces ("2,931", "70 522"); spans.join_halves reads it too
GROUPED_NUMBER = re.compile(r"^\d{1,3}(?:[,\u00a0\u202f\u2009 ]\d{3})+(?:\.\d+)?$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}$")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
_DIGITS_SCALE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*-?\s*([a-z]+)$")


@dataclass(frozen=True)
class NormalisationConfig:
    """Settings of configs/normalisation.yaml (see the comments there)."""

    qualifiers: tuple[str, ...]
    not_approx: frozenset[str]
    range_joiners: tuple[str, ...]
    number_words: dict[str, float]
    vague: frozenset[str]
    scales: dict[str, float]
    unit_aliases: dict[str, str]
    target_units: dict[str, str]
    not_measures: frozenset[str]
    designators: tuple[str, ...]
    admin_designators: frozenset[str]
    pint_units: dict[str, str]
    glued_units: frozenset[str] = frozenset()
    hyphen_non_units: frozenset[str] = frozenset()

    @property
    def range_gap(self) -> re.Pattern[str]:
        """The gap between the two ends of a range ("300 to 400")."""
        return _range_gap(self.range_joiners)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> NormalisationConfig:
        try:
            return cls(
                qualifiers=tuple(sorted((q.lower() for q in d["qualifiers"]), key=len, reverse=True)),
                not_approx=frozenset(q.lower() for q in d.get("not_approx", [])),
                range_joiners=tuple(str(x) for x in d["range_joiners"]),
                number_words={k.lower(): float(v) for k, v in d.get("number_words", {}).items()},
                vague=frozenset(w.lower() for w in d.get("vague", [])),
                scales={k.lower(): float(v) for k, v in d.get("scales", {}).items()},
                unit_aliases={k.lower(): v for k, v in d.get("unit_aliases", {}).items()},
                target_units=dict(d.get("target_units", {})),
                not_measures=frozenset(w.lower() for w in d.get("not_measures", [])),
                designators=tuple(sorted((x.lower() for x in d.get("designators", [])), key=len, reverse=True)),
                admin_designators=frozenset(x.lower() for x in d.get("admin_designators", [])),
                pint_units={str(k): str(v) for k, v in d.get("pint_units", {}).items()},
                # added after models were saved: one whose config lacks it reads the packaged list
                glued_units=frozenset(str(x).lower() for x in (d["glued_units"] if "glued_units" in d else _packaged("glued_units"))),
                hyphen_non_units=frozenset(str(x).lower() for x in (d["hyphen_non_units"] if "hyphen_non_units" in d
                                                                    else _packaged("hyphen_non_units"))),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{source}: bad normalisation config ({exc})") from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> NormalisationConfig:
        data = read_yaml(path) or {}
        unknown = sorted(set(data) - {f for f in cls.__dataclass_fields__})
        if unknown:
            raise ConfigError(f"{path}: unknown keys {unknown}")
        return cls.from_dict(data, str(path))


def _packaged(key: str) -> Any:
    return read_yaml(resource_path("normalisation.yaml"))[key]


# a number with a measure unit joined to it ("41,700m2", "20L"): the unit part is checked against glued_units
_GLUED = re.compile(r"^(\d[\d,.\u00a0\u202f\u2009 ]*?)\s?([A-Za-z][A-Za-z²³0-9]*)$")


_HYPHENED = re.compile(r"^(.+?)[-\u2010\u2011]([A-Za-z]+)$")  # "12-truck", "nine-truck" (convoy)


def split_glued(text: str, cfg: NormalisationConfig) -> int | None:
    """Where the unit starts in a QUANTITY span that carries its measure unit ("41,700m2" -> 6) or, joined by a
    hyphen, its counted noun ("a 12-truck convoy" -> 3), else None.

    >>> cfg = default_config()
    >>> [split_glued(s, cfg) for s in ["41,700m2", "0,93km2", "20L", "12", "4th", "2nd", "12-truck", "nine-truck", "thirty-six", "one-off"]]
    [6, 4, 2, None, None, None, 3, 5, None, None]
    """
    m = _GLUED.match(text)
    if m is not None and m.group(2).lower() in cfg.glued_units and parse_number(m.group(1), cfg) is not None:
        return m.start(2)
    h = _HYPHENED.match(text)
    if h is not None and h.group(2).lower() not in cfg.hyphen_non_units and parse_number(text, cfg) is None \
            and parse_number(h.group(1), cfg) is not None:
        return h.start(2)
    return None


@lru_cache(maxsize=8)
def _range_gap(joiners: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^\s*" + alternation(joiners) + r"\s*$", re.I)


def _words_to_number(text: str) -> float | None:
    from text_to_num import text2num

    try:
        return float(text2num(text, "en"))
    except ValueError:
        return None


def parse_number(text: str, cfg: NormalisationConfig) -> float | None:
    """The value a QUANTITY span states, or None when it does not read as a finite number."""
    value = _parse_number(text, cfg)
    return value if value is not None and math.isfinite(value) else None


def _parse_number(text: str, cfg: NormalisationConfig) -> float | None:
    """Doctest of :func:`parse_number`.

    >>> cfg = default_config()
    >>> [parse_number(s, cfg) for s in ["2,931", "70 522", "1.7", "thirty-six", "1.5 million", "a dozen"]]
    [2931.0, 70522.0, 1.7, 36.0, 1500000.0, 12.0]
    """
    s = " ".join(text.strip().lower().split())
    s = s.replace("\u2011", "-").replace("\u2010", "-")
    if not s or any(w in cfg.vague for w in re.split(r"[\s-]+", s)):
        return None
    if _PLAIN.match(s):
        return float(s)
    if GROUPED_NUMBER.match(text.strip()):
        return float(re.sub(r"[,\u00a0\u202f\u2009 ]", "", text.strip()))
    if _DOT_THOUSANDS.match(s):
        return float(s.replace(".", ""))
    if _DECIMAL_COMMA.match(s):
        return float(s.replace(",", "."))
    if s in cfg.number_words:
        return cfg.number_words[s]
    m = _DIGITS_SCALE.match(s)
    if m and m.group(2) in cfg.scales:
        return float(m.group(1).replace(",", ".")) * cfg.scales[m.group(2)]
    # "1.5 million" where the digits carry thousands separators, or "2,5 million"
    parts = s.rsplit(" ", 1)
    if len(parts) == 2 and parts[1] in cfg.scales:
        base = _parse_number(parts[0], cfg)
        if base is not None:
            return base * cfg.scales[parts[1]]
    value = _words_to_number(s)
    if value is None and s.startswith(("a ", "an ")):
        value = _words_to_number("one " + s.split(" ", 1)[1])
    if value is not None and math.isfinite(value):
        return value
    return None


_WORD_BEFORE = re.compile(r"([A-Za-z]+)[ \t]+$")


def _vague_scale(text: str, e: Entity, cfg: NormalisationConfig) -> bool:
    """Is the number a bare scale word after a vague one ("several hundred", "many thousand"), which the tagger marks
    without its vague word? Such an amount is no value (GUIDELINES H11), not 100 or 1000.

    >>> cfg = default_config()
    >>> t = "Several hundred refugees and a hundred tents"
    >>> _vague_scale(t, Entity(8, 15, "QUANTITY", "hundred", 1.0), cfg), _vague_scale(t, Entity(32, 39, "QUANTITY", "hundred", 1.0), cfg)
    (True, False)
    """
    if e.text.strip().lower() not in cfg.scales:
        return False
    m = _WORD_BEFORE.search(text, max(0, e.start - 30), e.start)
    return m is not None and m.group(1).lower() in cfg.vague


def find_qualifier(before: str, cfg: NormalisationConfig) -> str | None:
    """The qualifier that ends the text just before a quantity ("more than" in "more than 300")."""
    tail = " ".join(before.lower().split())[-40:]
    for q in cfg.qualifiers:
        if tail == q or tail.endswith(" " + q) or tail.endswith("(" + q):
            return None if q in cfg.not_approx else q
    return None


@lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    return pint.UnitRegistry()


def measure_unit(unit: str, cfg: NormalisationConfig) -> tuple[float, str] | None:
    """(factor, target unit) when ``unit`` is a unit of measure, else None ("tonnes" -> (1000, "kg"))."""
    key = " ".join(unit.lower().split()).rstrip(".")
    if key in cfg.not_measures or not key:
        return None
    expr = cfg.unit_aliases.get(key, key)
    if expr == key and not re.fullmatch(r"[a-z ]+", key):
        return None
    dim = _dimensionality(expr)
    target = cfg.target_units.get(dim) if dim is not None else None
    if target is None:
        return None
    factor = _factor(expr, cfg.pint_units.get(target, target))
    return None if factor is None else (factor, target)


@lru_cache(maxsize=4096)
def _dimensionality(expr: str) -> str | None:
    """pint's dimensionality of a unit expression, None when pint does not know it (cached: parsing is slow)."""
    import pint

    try:
        return str(_registry().Quantity(1, expr).dimensionality)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, AssertionError):
        return None


@lru_cache(maxsize=4096)
def _factor(expr: str, pint_target: str) -> float | None:
    import pint

    try:
        return float(_registry().Quantity(1, expr).to(pint_target).magnitude)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, AssertionError):
        return None


def normalise_measure(value: float, unit: str | None, cfg: NormalisationConfig, upper: float | None = None) -> dict[str, Any] | None:
    """The normalised form of a measure ("1.7 tonnes" -> {"value": 1700, "unit": "kg"}), else None."""
    if not unit:
        return None
    m = measure_unit(unit, cfg)
    if m is None:
        return None
    factor, target = m
    out: dict[str, Any] = {"value": json_number(round(value * factor, 6)), "unit": target}
    if upper is not None:
        out["upper"] = json_number(round(upper * factor, 6))
    return out


@lru_cache(maxsize=1)
def default_config() -> NormalisationConfig:
    """The normalisation settings shipped with the package (``resources/normalisation.yaml``)."""
    return NormalisationConfig.from_yaml(resource_path("normalisation.yaml"))


def _table_line(text: str, line_start: int, seen: dict[int, bool]) -> bool:
    """Does the line that starts at ``line_start`` hold cells (a table row)? Each line is read once per report."""
    if line_start not in seen:
        end = text.find("\n", line_start)
        seen[line_start] = CELL_GAP.search(text, line_start, len(text) if end < 0 else end) is not None
    return seen[line_start]


def _unit_after(text: str, ents: Sequence[Entity], j: int, last_end: int, row: bool, lex: Lexicon) -> int | None:
    """The index of the UNIT that follows a number at ``ents[j]``, or one name further ("nine WFP trucks", "12
    al-Shabaab fighters": the name is a modifier of the counted noun and stays a candidate of its own); None when
    the next words end the number's phrase. In a table row the number's cell ends at the line's end: the next
    line's unit is the next row's ("Anti-personnel mines<TAB>48" over "Anti-tank mines<TAB>31")."""
    if j >= len(ents):
        return None
    k = j + 1 if ents[j].label == "ACTOR" else j
    if k >= len(ents) or ents[k].label != "UNIT":
        return None
    gap = text[last_end:ents[k].start]
    if len(gap) > 30 or (row and "\n" in gap):
        return None
    return k if (k == j and lex.unit_gap.match(gap)) or lex.unit_modifiers.match(gap) else None


def _row_label(text: str, ents: Sequence[Entity], i: int, line_start: int) -> Entity | None:
    """A table row's label that is a unit: written in an earlier cell of the number's own line, before any
    other number of the line ("Anti-tank mines<TAB>31", "UNICEF   Joda   children vaccinated   1,107"; not
    the "m2" of "512,300m2   1,208")."""
    unit = None
    for k in range(i - 1, -1, -1):
        if ents[k].start < line_start:
            break
        if ents[k].label == "QUANTITY":
            return None
        if ents[k].label == "UNIT" and unit is None:
            unit = ents[k]
    return unit if unit is not None and CELL_GAP.search(text, unit.end - 1, ents[i].start + 1) else None


_CELL = re.compile(r"\S+(?:(?: {1,2})\S+)*")  # a cell: words apart by at most two spaces, no tab


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The cells of the line ``text[start:end]`` as (start, end) offsets."""
    return [(start + m.start(), start + m.end()) for m in _CELL.finditer(text[start:end])]


def _table_top(text: str, line_start: int, seen: dict[int, bool], tops: dict[int, int]) -> int:
    """Where the table a row belongs to starts: the first of the table lines above it (every line walked is
    remembered, so a table is walked up once, not once per number)."""
    walked = []
    top = line_start
    while top not in tops:
        walked.append(top)
        prev = text.rfind("\n", 0, top - 1) + 1 if top > 0 else top
        if prev == top or not _table_line(text, prev, seen):
            tops[top] = top
            break
        top = prev
    for line in walked:
        tops[line] = tops[top]
    return tops[line_start]


def _column_header(text: str, ents: Sequence[Entity], starts: Sequence[int], i: int, line_start: int,
                   seen: dict[int, bool], tops: dict[int, int]) -> Entity | None:
    """The UNIT tagged in the header of the number's column ("Area cleared (m2)" over "18,300"): the header is the
    first line of the table the number's row belongs to, and counts as many cells as the row."""
    top = _table_top(text, line_start, seen, tops)
    if top == line_start:
        return None
    row_end = text.find("\n", line_start)
    row = _cells(text, line_start, len(text) if row_end < 0 else row_end)
    header = _cells(text, top, text.find("\n", top))
    col = next((k for k, (a, b) in enumerate(row) if a <= ents[i].start < b), None)
    if col is None or len(header) != len(row):
        return None
    a, b = header[col]
    k = bisect.bisect_left(starts, a)
    return next((u for u in ents[k:bisect.bisect_left(starts, b)] if u.label == "UNIT" and u.end <= b), None)


def build_quantities(text: str, ents: Sequence[Entity], cfg: NormalisationConfig, lex: Lexicon) -> list[tuple[Quantity, list[Entity]]]:
    """Pair QUANTITY spans with units, join ranges, read qualifiers and values."""
    out: list[tuple[Quantity, list[Entity]]] = []
    table_lines: dict[int, bool] = {}
    table_tops: dict[int, int] = {}
    i = 0
    ents = list(ents)  # in text order, as the tagger and prepare give them
    starts = [x.start for x in ents]
    while i < len(ents):
        e = ents[i]
        if e.label != "QUANTITY":
            i += 1
            continue
        value = None if _vague_scale(text, e, cfg) else parse_number(e.text, cfg)
        glued = None
        if value is None and (cut := split_glued(e.text, cfg)) is not None:
            # "41,700m2", "12-truck": the number and its unit in one span
            glued = Entity(e.start + cut, e.end, "UNIT", e.text[cut:], e.score)
            number = e.text[:cut].rstrip(" -\u2010\u2011")
            e = Entity(e.start, e.start + len(number), "QUANTITY", number, e.score)
            value = parse_number(e.text, cfg)
        if value is None:
            i += 1
            continue
        used = [e]
        upper = upper_span = None
        j = i + 1
        if j < len(ents) and ents[j].label == "QUANTITY" and cfg.range_gap.match(text[e.end:ents[j].start]):
            v2 = parse_number(ents[j].text, cfg)
            if v2 is not None and v2 >= value:
                upper, upper_span = v2, (ents[j].start, ents[j].end)
                used.append(ents[j])
                j += 1
        last_end = used[-1].end
        unit = glued
        sent_start = text.rfind("\n", 0, e.start) + 1
        row = _table_line(text, sent_start, table_lines)
        if unit is None and (k := _unit_after(text, ents, j, last_end, row, lex)) is not None:
            unit = ents[k]
            used.append(unit)
            j = k + 1
        if unit is None and row:
            unit = _row_label(text, ents, i, sent_start) or _column_header(text, ents, starts, i, sent_start, table_lines, table_tops)
        # a number without a unit of its own keeps none, however the number before it was counted ("nine violations:
        # four in Homs", GUIDELINES 4.4)
        before = text[max(sent_start, e.start - 60):e.start]
        approx = "range" if upper is not None else find_qualifier(before, cfg)
        if upper is None and lex.range_opener.search(before):
            approx = "range"
        q = Quantity(
            value=value, start=e.start, end=e.end, text=e.text,
            unit=unit.text if unit else None,
            unit_span=(unit.start, unit.end) if unit else None,
            unit_lemma=unit_lemma(unit.text) if unit else None,
            approx=approx, upper=upper, upper_span=upper_span,
            normalized=normalise_measure(value, unit.text, cfg, upper) if unit else None,
        )
        out.append((q, used))
        i = j
    return out
