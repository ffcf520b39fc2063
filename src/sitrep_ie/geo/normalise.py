"""Match keys for place names: one spelling-independent key per name.

Arabic, Persian, Somali and Ukrainian names reach English reports in many transliterations
("Deir ez-Zor", "Dayr az Zawr", "Deir-ez-Zor"; "Ma'arrat al-Nu'man", "Maarat an Numan"). The
gazetteer and the report go through the same :func:`name_key`, so two spellings match when their
keys are equal; :func:`skeleton` is a looser key (consonants only) used to find candidates that
are then scored by string similarity. The rules are data: ``resources/geo_rules.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

# Letters NFKD does not decompose into ASCII (stroke and ligature letters).
_SPECIAL = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ħ": "h"})
_NON_KEY = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiouy]")
MAX_NAME_CHARS = 200  # longer "names" are not place names; keys are computed on a prefix only


@dataclass(frozen=True)
class Rules:
    """The transliteration rules and word lists of ``geo_rules.yaml``."""

    drop_chars: str
    articles: frozenset[str]
    token_map: dict[str, str]
    letter_rules: tuple[tuple[str, str], ...]
    designators: dict[str, str]
    unmappable_kinds: frozenset[str]
    scoring: dict[str, float]
    demonyms: dict[str, str]
    city_admin1: dict[str, str]
    city_admin1_designators: frozenset[str]
    leading_designators: dict[str, str]


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The rules shipped in ``sitrep_ie/resources/geo_rules.yaml`` (read once).

    Example:
        >>> rules().designators["governorate"]
        'admin1'
    """
    raw: dict[str, Any] = yaml.safe_load(resources.files("sitrep_ie").joinpath("resources/geo_rules.yaml").read_text(encoding="utf-8"))
    designators = {str(k).lower(): str(v) for k, v in raw["designators"].items()}
    return Rules(
        drop_chars=str(raw["drop_chars"]),
        articles=frozenset(str(a) for a in raw["articles"]),
        token_map={str(k): ("" if v is None else str(v)) for k, v in raw["token_map"].items()},
        letter_rules=tuple((str(a), str(b)) for a, b in raw["letter_rules"]),
        # longest first: "border crossing" must win over "crossing"
        designators=dict(sorted(designators.items(), key=lambda kv: -len(kv[0]))),
        unmappable_kinds=frozenset(raw.get("unmappable_kinds") or ()),
        scoring={str(k): float(v) for k, v in raw["scoring"].items()},
        demonyms={str(k): str(v) for k, v in (raw.get("demonyms") or {}).items()},
        city_admin1={str(k): str(v) for k, v in (raw.get("city_admin1") or {}).items()},
        city_admin1_designators=frozenset(str(d).lower() for d in raw.get("city_admin1_designators") or ()),
        leading_designators={str(k).lower(): str(v).lower() for k, v in (raw.get("leading_designators") or {}).items()},
    )


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, diacritics and apostrophes removed, other characters as spaces.

    Example:
        >>> fold("Dar‘ā  Ḩimş-al")
        'dara hims al'
    """
    r = rules()
    text = unicodedata.normalize("NFKD", text[:MAX_NAME_CHARS].lower().translate(_SPECIAL))
    text = "".join(c for c in text if not unicodedata.combining(c) and c not in r.drop_chars)
    return _NON_KEY.sub(" ", text).strip()


def tokens(name: str) -> list[str]:
    """The name's folded words, articles dropped and variant spellings unified.

    Example:
        >>> tokens("Deir ez-Zor")
        ['dayr', 'zor']
    """
    r = rules()
    words = fold(name).split()
    if len(words) > 1:
        kept = [w for w in words if w not in r.articles]
        words = kept or words[-1:]
    out = []
    for w in words:
        w = r.token_map.get(w, w)
        if w:
            out.append(w)
    return out


def _letters(word: str) -> str:
    for a, b in rules().letter_rules:
        word = word.replace(a, b)
    return _DOUBLE.sub(r"\1", word)


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The match key of a place name: equal for the usual transliterations of one name.

    Words are joined without spaces so that "Kan Safra" and "Kansafra" meet; an empty key means
    the name has nothing to match on (punctuation only, or a script other than Latin).

    Example:
        >>> name_key("Dayr az Zawr") == name_key("Deir ez-Zawr")
        True
        >>> name_key("Ma'arrat al-Nu'man") == name_key("Maarrat an-Numan")
        True
        >>> name_key("...")
        ''
    """
    return "".join(_letters(w) for w in tokens(name))


def skeleton(key: str) -> str:
    """A looser key: the first letter, then consonants only, a final 'h' dropped ("Talbiseh" ~ "Talbisa").

    Example:
        >>> skeleton(name_key("Talbiseh")) == skeleton(name_key("Talbisa"))
        True
    """
    if not key:
        return ""
    s = key[0] + _VOWELS.sub("", key[1:])
    s = _DOUBLE.sub(r"\1", s)
    if len(s) > 2 and s.endswith("h"):
        s = s[:-1]
    return s


def split_designator(name: str) -> tuple[str, str | None, str | None]:
    """(base name, designator, kind) of a name such as "Homs province" or "Rukban camp".

    The kind (admin1, admin2, admin3, settlement, site, feature) comes from ``geo_rules.yaml``.
    A name that is only a designator ("Camp") keeps it as its name.

    Example:
        >>> split_designator("Homs province")
        ('Homs', 'province', 'admin1')
        >>> split_designator("Bab al-Hawa border crossing")
        ('Bab al-Hawa', 'border crossing', 'site')
        >>> split_designator("Aleppo")
        ('Aleppo', None, None)
    """
    name = name.strip()
    low = name.lower()
    for d, kind in rules().designators.items():
        if low.endswith(d) and len(low) > len(d) + 1 and not low[-len(d) - 1].isalnum():
            base = name[: -len(d)].rstrip(" -,")
            if base:
                return base, d, kind
    return name, None, None


# Only first-level designators are read from the context: a district is placed at its seat either way, while "the
# province of Hama" and the city of Hama lie 100 km apart in effect (the province's point is its centre).
_ADMIN_KINDS = ("admin1",)
_NAME_WORD = r"[A-Z][\w'’.-]*"
_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD})*"


@lru_cache(maxsize=1)
def _context_patterns() -> tuple[re.Pattern[str], ...]:
    r = rules()
    admin = [d for d, k in r.designators.items() if k in _ADMIN_KINDS]
    plural = [d for d in admin if singular_designator(d) != d]
    singular = "|".join(re.escape(d) for d in admin if d not in plural)
    plurals = "|".join(re.escape(d) for d in plural)
    # words between "the" and the designator may only describe it: lower-case words and the report countries'
    # adjectives ("the western Afghan province of"); a capitalised name there ("the Hanano district of Aleppo")
    # makes the place after "of" the parent of a district, not the district
    describe = "|".join([r"[a-z][\w-]*", *(re.escape(d) for d in r.demonyms)])
    lead = rf"(?i:\bthe)\s+(?:(?:{describe})\s+){{0,3}}"
    before = re.compile(rf"{lead}((?i:{singular}))\s+of\s+(?:the\s+)?$")
    # a plural designator names a list: "the provinces of Damascus, Latakia and Hama", "Aleppo, Homs and Latakia
    # provinces" (each name of it); after one name it means the name's parts ("the eastern districts of Aleppo",
    # "flooded Kherson districts")
    before_list = re.compile(rf"{lead}((?i:{plurals}))\s+of\s+(?:the\s+)?$")
    list_follows = re.compile(rf"^(?:\s*,\s*(?:and\s+)?|\s+and\s+){_NAME}")
    list_precedes = re.compile(rf"{_NAME_WORD}(?:\s*,\s*(?:and\s+)?|\s+and\s+)$")
    shared = re.compile(rf"^(?:\s*,\s*(?:and\s+)?{_NAME}|\s+and\s+{_NAME})*\s+((?i:{plurals}))\b")
    # the designator straight after the span that the tagger left out of it ("Marib governorate")
    after = re.compile(rf"^[ \t]+((?i:{singular}))\b")
    return before, before_list, list_follows, list_precedes, shared, after


def singular_designator(designator: str) -> str:
    """The singular of a plural designator of ``geo_rules.yaml`` ("provinces" -> "province"); others unchanged.

    Example:
        >>> singular_designator("oblasts"), singular_designator("province"), singular_designator("crossing")
        ('oblast', 'province', 'crossing')
    """
    d = designator.lower()
    return d[:-1] if d.endswith("s") and d[:-1] in rules().designators else d


def context_designator(text: str, start: int, end: int) -> str | None:
    """The admin designator that the words around a place span give it, singular, or None.

    The annotation guidelines keep "the province of" and a shared plural designator out of the
    span ("the province of [[Hama]]", "[[Aleppo]] and [[Idlib]] governorates"), yet the designator
    still says which kind of place the name is: the province, not its capital.

    Example:
        >>> context_designator("shelling in the province of Hama", 28, 32)
        'province'
        >>> context_designator("in Aleppo and Idlib governorates", 3, 9)
        'governorate'
        >>> context_designator("in the western Afghan province of Farah", 34, 39)
        'province'
        >>> context_designator("the eastern districts of Aleppo", 25, 31) is None
        True
        >>> context_designator("the Hanano district of Aleppo", 4, 10) is None  # a district is placed at its seat anyway
        True
    """
    before, before_list, list_follows, list_precedes, shared, after = _context_patterns()
    head, tail = max(0, start - 80), text[end:end + 200]
    in_list = list_follows.match(tail) or list_precedes.search(text, head, start)
    m = (before.search(text, head, start) or (in_list and (before_list.search(text, head, start) or shared.match(tail)))
         or after.match(tail))
    return singular_designator(m.group(1)) if m else None
