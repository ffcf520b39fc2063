"""Places of event arguments: the admin parent each is placed in ("Talbiseh in Homs province") and
the designator of a name ("Homs province" -> "province"). The learned layer decides which places an
event has; these rules read each place's parent from the words between them.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..schema import Entity
from .lexicon import Lexicon
from .quantities import NormalisationConfig


def _admin_link(text: str, child: Entity, parent: Entity, cfg: NormalisationConfig, lex: Lexicon) -> bool:
    """Does ``parent`` name the administrative unit of ``child``?

    "Talbiseh in Homs province", "Kafr Nan settlement in Homs province", "Hays, Hodeidah governorate",
    "Maan, in the province of Hama", "the Hanano district of Aleppo", "Tawila (North Darfur)".
    """
    gap = text[child.end:parent.start]
    child_designator = split_designator(child.text, cfg)[1]
    low = gap.lower().lstrip()
    for d in cfg.designators:
        if low.startswith(d + " ") or low.startswith(d + ","):
            gap, child_designator = gap.lstrip()[len(d):], d
            break
    if not lex.admin_gap.match(gap):
        return False
    gap_words = set(re.findall(r"[a-z-]+", gap.lower()))
    parent_designator = split_designator(parent.text, cfg)[1]
    follows = text[parent.end:parent.end + 25].lower().lstrip(" )")
    return (parent_designator in cfg.admin_designators
            or any(follows.startswith(w) for w in cfg.admin_designators)
            or bool(gap_words & cfg.admin_designators)
            or gap.strip().startswith("(")
            or (child_designator is not None and "of" in gap_words))


def admin_parents(text: str, places: Sequence[Entity], cfg: NormalisationConfig, lex: Lexicon, lookback_from: int = 0) -> dict[int, int]:
    """Index of each place's admin parent among ``places`` (sorted, one sentence or clause).

    "Talbiseh in Homs province": the next place; "Kharkiv's Saltivka area": the place before, whose possessive
    names the parent; "Kafr Nabudah and Tell Hawash in Hama": the parent covers the whole list; "In Daraa
    province, ... in al-Sanamayn": a leading region frames the specific places after it. ``lookback_from``
    bounds the text read before a place.
    """
    admin_of: dict[int, int] = {}
    for k in range(len(places) - 1):
        if text[places[k].end:places[k + 1].start] in ("'s ", "’s "):
            admin_of[k + 1] = k
        elif _admin_link(text, places[k], places[k + 1], cfg, lex):
            admin_of[k] = k + 1
            j = k - 1
            while j >= 0 and j not in admin_of and lex.list_gap.fullmatch(text[places[j].end:places[j + 1].start]):
                admin_of[j] = k + 1
                j -= 1
    for k, e in enumerate(places):
        designator = split_designator(e.text, cfg)[1] or next((w for w in cfg.admin_designators if text[e.end:e.end + 20].lower().lstrip().startswith(w)), None)
        if designator not in cfg.admin_designators or k in admin_of or k in admin_of.values():
            continue
        later = [j for j in range(k + 1, len(places)) if j not in admin_of and split_designator(places[j].text, cfg)[1] not in cfg.admin_designators]
        if later and lex.framing.search(text[max(lookback_from, e.start - 25):e.start]):
            for j in later:
                admin_of[j] = k
    return admin_of


def split_designator(name: str, cfg: NormalisationConfig) -> tuple[str, str | None]:
    """("Homs province") -> ("Homs", "province"); a name without designator comes back unchanged."""
    low = name.lower()
    for d in cfg.designators:
        if low.endswith(" " + d) and len(name) > len(d) + 1:
            return name[: -len(d) - 1].rstrip(), d
    return name, None


