"""Quantity normalisation: numbers as written -> values, qualifiers, unit lemmas, measures.

Number words go through text2num, units of measure through pint, noun lemmas through inflection;
what those libraries do not cover (scale words after digits, "a dozen", tonnes written "tons",
which words are counted nouns rather than measures) is configuration in configs/normalisation.yaml.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


from .config import read_yaml
from .errors import ConfigError

_SEP_THOUSANDS = re.compile(r"^\d{1,3}(?:[,\u00a0\u202f\u2009 ]\d{3})+(?:\.\d+)?$")
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

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> NormalisationConfig:
        try:
            return cls(
                qualifiers=tuple(sorted((q.lower() for q in d["qualifiers"]), key=len, reverse=True)),
                not_approx=frozenset(q.lower() for q in d.get("not_approx", [])),
                range_joiners=tuple(d.get("range_joiners", ["-", "to", "and"])),
                number_words={k.lower(): float(v) for k, v in d.get("number_words", {}).items()},
                vague=frozenset(w.lower() for w in d.get("vague", [])),
                scales={k.lower(): float(v) for k, v in d.get("scales", {}).items()},
                unit_aliases={k.lower(): v for k, v in d.get("unit_aliases", {}).items()},
                target_units=dict(d.get("target_units", {})),
                not_measures=frozenset(w.lower() for w in d.get("not_measures", [])),
                designators=tuple(sorted((x.lower() for x in d.get("designators", [])), key=len, reverse=True)),
                admin_designators=frozenset(x.lower() for x in d.get("admin_designators", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{source}: bad normalisation config ({exc})") from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> NormalisationConfig:
        return cls.from_dict(read_yaml(path) or {}, str(path))


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
    if _SEP_THOUSANDS.match(text.strip()):
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


def find_qualifier(before: str, cfg: NormalisationConfig) -> str | None:
    """The qualifier that ends the text just before a quantity ("more than" in "more than 300")."""
    tail = " ".join(before.lower().split())[-40:]
    for q in cfg.qualifiers:
        if tail == q or tail.endswith(" " + q) or tail.endswith("(" + q):
            return None if q in cfg.not_approx else q
    return None


@lru_cache(maxsize=4096)
def unit_lemma(unit: str) -> str:
    """Lower-case singular form of a unit or counted noun: "explosive devices" -> "explosive device"."""
    import inflection  # Rails' inflector rules; imports in milliseconds (inflect takes ~1.5 s)

    words = unit.lower().split()
    if not words:
        return ""
    last = words[-1]
    if last.isalpha() and len(last) > 2:
        last = inflection.singularize(last)
    return " ".join(words[:-1] + [last])


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
    try:
        import pint

        ureg = _registry()
        q = ureg.Quantity(1, expr)
        dim = str(q.dimensionality)
        target = cfg.target_units.get(dim)
        if target is None:
            return None
        pint_target = {"m2": "m**2", "L": "litre"}.get(target, target)
        return float(q.to(pint_target).magnitude), target
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
    out: dict[str, Any] = {"value": _clean(value * factor), "unit": target}
    if upper is not None:
        out["upper"] = _clean(upper * factor)
    return out


def _clean(x: float) -> int | float:
    r = round(x, 6)
    return int(r) if float(r).is_integer() else r


@lru_cache(maxsize=1)
def default_config() -> NormalisationConfig:
    """The repository's configs/normalisation.yaml (used by doctests and tools)."""
    return NormalisationConfig.from_yaml(Path(__file__).resolve().parents[2] / "configs" / "normalisation.yaml")
