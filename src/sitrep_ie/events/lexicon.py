"""The English cue words of the event layer (``lexicon.yaml``), compiled into the patterns its rules
(dates, units, admin parents, segmentation) and its learned layer's features read.

The grammar of each pattern (where a cue may stand) is code; the words are configuration, so a new
cue is a new entry in the YAML file. Every section and key is required: a lexicon that lacks a
list would silently switch a rule or a feature off.

Example:
    >>> lex = default_lexicon()
    >>> bool(lex.speaker_after.match(", the ministry said")), bool(lex.speaker_after.match("’s Security Media Cell said"))
    (True, True)
    >>> bool(lex.speaker_after.match("’s sappers and engineers said"))  # a possessive before common nouns names no speaker
    False
    >>> bool(lex.negation.search("no shelling")), bool(lex.negation.search("heavy shelling"))
    (True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config import read_yaml, resource_path

# the word lists of ACTOR span bounds (spans.py)
_ACTOR_BOUNDS = ("support_suffixes", "member_nouns", "country_acronyms", "party_modifiers", "party_nouns", "name_breaks", "dangling_words",
                 "name_joiners")
#: sections and keys of lexicon.yaml, each a list of strings unless named in _MAPPINGS.
SCHEMA: dict[str, tuple[str, ...]] = {
    "actors": ("speaker_verbs", "not_doer_before", "possessives", "agent_before", "back_references", *_ACTOR_BOUNDS),
    "quantities": ("unit_gap_words", "modifier_breaks", "subset_cues", "subset_hedges", "range_openers"),
    "events": ("negation", "plan_before", "plan_fillers", "new_fact_cues", "series_titles"),
    "places": ("admin_prepositions", "framing_prepositions", "list_joiners", "generic_nouns", "nationality_adjectives", "name_prefixes"),
    "segment": ("abbreviations", "clause_conjunctions", "clause_after_comma", "and_split_starters",
                "and_split_number_suffixes", "verb_endings"),
    "dates": ("months", "weekdays", "relative_days", "issued_words", "period_openers", "period_units", "period_counts", "bound_words",
              "total_phrases", "past_day_units", "daily_titles", "anaphoric_days", "clause_joiners"),
}
_MAPPINGS = {("dates", "relative_days"), ("dates", "anaphoric_days")}
# keys of retired rules that older models' saved lexicons hold, read and ignored: the rule assembler's (removed in
# issue 12) and the unit a later number borrowed (removed in session 16)
_RETIRED = {("actors", "carry_subject_openers"), ("actors", "carry_subject_nouns"), ("quantities", "ellipsis_followers")}
# keys added after models were saved: a saved lexicon without them takes the packaged words (the cue is new, not
# switched off)
_ADDED = {("dates", "period_counts"), ("quantities", "modifier_breaks"), ("events", "plan_before"), ("events", "plan_fillers"), ("dates", "anaphoric_days"),
          ("events", "new_fact_cues"), ("events", "series_titles"), ("places", "name_prefixes"),
          ("dates", "clause_joiners"), ("dates", "daily_titles"), ("actors", "back_references"), *(("actors", k) for k in _ACTOR_BOUNDS)}


def alternation(words: Any) -> str:
    """A regex alternation of literal words, longest first; a space matches any run of white space."""
    alts = sorted({re.escape(str(w)).replace(r"\ ", r"\s+") for w in words}, key=len, reverse=True)
    return "(?:" + "|".join(alts) + ")"


@dataclass(frozen=True, eq=False)  # identity hash: compiled patterns are cached per lexicon
class Lexicon:
    """Compiled cue patterns; build with :meth:`from_dict` or :func:`default_lexicon`."""

    words: dict[str, dict[str, Any]]

    def __post_init__(self) -> None:
        w = self.words
        a, q, p, s, d = w["actors"], w["quantities"], w["places"], w["segment"], w["dates"]
        months = alternation(d["months"])
        compiled = {
            # actors
            # "..., the ministry said", or the owner of a named speaker: "Iraq's Security Media Cell said"
            "speaker_after": re.compile(r"^(?:,[^,.;]{1,60},)?(?:['’]s\s+(?-i:[A-Z][\w-]*\s+){1,4}|\W{0,3}(?:\w+\s+){0,2}?)"
                                        + alternation(a["speaker_verbs"]) + r"\b", re.I),
            # "the command said on Wednesday that ...": the day a statement was made, not the day of what it reports
            "speech_day_before": re.compile(r"\b" + alternation(a["speaker_verbs"]) + r"\s+(?:on\s+|late\s+on\s+|early\s+on\s+)?$", re.I),
            "not_doer_before": re.compile(alternation(a["not_doer_before"]) + r"\s+(?:the\s+)?$", re.I),
            "possessive_before": re.compile(r"\b" + alternation(a["possessives"]) + r"\s+(?:[\w-]+\s+){0,4}$", re.I),
            "agent_before": re.compile(r"\b" + alternation(a["agent_before"]) + r"\s+(?:the\s+)?$", re.I),
            # the subject right before a trigger, a few adverbs apart ("they also removed", "The teams then cleared")
            "back_reference": re.compile(r"\b" + alternation(a["back_references"]) + r"\s+(?:[a-z]+ly\s+|also\s+|then\s+|later\s+|have\s+|had\s+|has\s+){0,3}$", re.I),
            # quantities
            # "five of them were children", "41 of them for children", "1,260 of the deportees"
            "unit_gap": re.compile(r"^[\s\-–]*(?:of\s+(?:them|which|whom|these|those|the)\s*,?\s*(?:were\s+|are\s+|for\s+)?)?(?:"
                                   + alternation(q["unit_gap_words"]) + r"\s+){0,2}[\s\-–]*$", re.I),
            "subset": re.compile(alternation(q["subset_cues"]) + r"\s*" + alternation(q["subset_hedges"]) + r"?\s*$", re.I),
            # "530 returnee children": plain words, none of them a break, between a number and its unit
            "unit_modifiers": re.compile(r"^[\s\-–]*(?:(?!" + alternation(q["modifier_breaks"]) + r"\b)[A-Za-z][\w'’-]*\s+){1,3}$", re.I),
            "range_opener": re.compile(r"\b" + alternation(q["range_openers"]) + r"\s*$", re.I),
            # events
            "negation": re.compile(r"\b" + alternation(w["events"]["negation"]) + r"\b", re.I),
            # an adverb in "-ly" may stand among the fillers too ("will gradually hand over")
            "plan_before": re.compile(r"\b" + alternation(w["events"]["plan_before"]) + r"(?:\s+(?:" + alternation(w["events"]["plan_fillers"])
                                      + r"|\w+ly))*\s+$", re.I),
            "new_fact": re.compile(r"\b" + alternation(w["events"]["new_fact_cues"]) + r"\b", re.I),
            "series_title": re.compile(r"\b" + alternation(w["events"]["series_titles"]) + r"\b", re.I),
            # places
            "admin_gap": re.compile(r"^\s*(?:,|,?\s*" + alternation(p["admin_prepositions"]) + r"(?:\s+the)?|\(|,?\s*"
                                    + alternation(p["admin_prepositions"]) + r"\s+the\s+\w+\s+" + alternation(p["admin_prepositions"])
                                    + r")\s*$", re.I),
            "framing": re.compile(r"(?:^|\b" + alternation(p["framing_prepositions"]) + r")\s+(?:the\s+(?:\w+\s+)?(?:of\s+)?)?$", re.I),
            "list_gap": re.compile(r"\s*(?:,|,?\s*" + alternation(p["list_joiners"]) + r")\s*", re.I),
            "place_prefix": re.compile(r"(?<![\w-])" + alternation(p["name_prefixes"]) + r" $"),
            # "the Syrian city" names no place: "of Deir ez-Zor" after it does
            # ... and neither does a bare nationality adjective the tagger marked ("Syrian" alone)
            "generic_place": re.compile(r"^(?:the\s+)?(?:" + alternation(p["nationality_adjectives"]) + r"(?:\s+"
                                        + alternation(p["generic_nouns"]) + r")?|" + alternation(p["generic_nouns"]) + r")$", re.I),
            # segment
            "clause": re.compile(
                ";|" + "|".join(r"\s+" + alternation([c]) + r"\s+" for c in s["clause_conjunctions"])
                + "|" + "|".join(r",\s+" + alternation([c]) + r"\s+" for c in s["clause_after_comma"])
                + r"|,\s+and\s+(?=(?:" + alternation(s["and_split_starters"])[3:-1] + "|"
                + "|".join(r"\w+" + re.escape(x) for x in s["and_split_number_suffixes"]) + r")\b|[A-Z]|\d)"
                # "... last week and UNHCR handed out ...": a new named subject with its own verb
                + r"|(?<=[a-z0-9])\s+and\s+(?=(?:the\s+)?[A-Z][\w'’-]*(?:\s+(?:of\s+|for\s+)?[A-Z][\w'’-]*){0,4}\s+(?:[a-z]+\s+){0,2}?[a-z]+"
                + alternation(s["verb_endings"]) + r"\b)"),
            # dates
            "month": months,
            # the month before a number the tagger drew into one span with the next ("On November 5, 422 hectares")
            "month_before": re.compile(rf"(?i:\b{months})\.?\s+$"),
            # the rest of a list of days after one of them, up to their month ("on 4, 8, 14 and 24 November")
            "days_to_month": re.compile(rf"(?:,\s*\d{{1,2}})*(?:,?\s+(?:and|or|to)\s+\d{{1,2}}|\s*[-–]\s*\d{{1,2}})?\s+{months}\b"),
            "weekday_names": alternation(d["weekdays"]),
            "issued": alternation(d["issued_words"]),
            # "last week", "the same period", "its first two days", "during the month": a period, which dates nothing
            "period_phrase": (r"\b" + alternation(d["period_openers"]) + r"\s+(?:(?:\d+|" + alternation(d["period_counts"]) + r")\s+)?"
                              + alternation(d["period_units"]) + r"\b"),
            "weekday": re.compile(r"\b(?:on|last|this)?\s*(" + alternation(d["weekdays"])[3:-1] + r")\b", re.I),
            "relative": re.compile(r"\b(" + alternation(d["relative_days"])[3:-1] + r")\b", re.I),
            "anaphoric_day": re.compile(r"\b(" + alternation(d["anaphoric_days"])[3:-1] + r")\b", re.I),
            "date_clause": re.compile(r",\s+" + alternation(d["clause_joiners"]) + r"\s+|;\s*", re.I),
            "bound_before": re.compile(r"\b" + alternation(d["bound_words"]) + r"\s+(?:the\s+)?$", re.I),
            # "in the past 24 hours", "(past 12 hours)", "24 hrs to 0600", "summary for the past day"
            "past_day": re.compile(r"\b(?:past|last|previous)\s+(?:24|twenty-four|12|twelve)[\s-]*" + alternation(d["past_day_units"])
                                   + r"\b|\b(?:24|twenty-four)[\s-]*" + alternation(d["past_day_units"]) + r"\s+(?:to|ending)\b"
                                   r"|\b(?:over|in|during|for|in\s+the\s+course\s+of)\s+the\s+(?:past|last)\s+day\b"
                                   r"|^\W*(?:past|last)\s+day(?=\s*,)", re.I),  # "Last day, sappers ..." opening a sentence
            "daily_title": re.compile(r"\b" + alternation(d["daily_titles"]) + r"\b", re.I),
            # "since January", "since the start of ..." start a count; "have since gone back" ("since" meaning afterwards) and
            # "for the first time since July" (the day before this one, not the start of a count) do not
            "total": re.compile(r"\b(?:" + alternation(d["total_phrases"])[3:-1] + r"|(?<!\bhave\s)(?<!\bhas\s)(?<!\bhad\s)(?<!\btime\s)since\s+(?:the\s+(?:start|beginning)|\d{1,2}\s+[A-Z][a-z]+"
                                r"|[A-Z][a-z]+|\d{4}|\w+\s+\d{4}))\b", re.I),
        }
        for k, v in compiled.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "abbreviations", frozenset(x.lower() for x in s["abbreviations"]))
        object.__setattr__(self, "support_suffix", re.compile(r"-" + alternation(a["support_suffixes"]) + r"$", re.I))
        for key in ("member_nouns", "party_nouns", "name_breaks", "dangling_words", "name_joiners"):
            object.__setattr__(self, key, frozenset(x.lower() for x in a[key]))
        object.__setattr__(self, "country_acronyms", frozenset(a["country_acronyms"]))
        object.__setattr__(self, "party_modifiers", frozenset(x.lower() for x in [*a["party_modifiers"], *p["nationality_adjectives"]]))
        object.__setattr__(self, "weekdays", [x.lower() for x in d["weekdays"]])
        object.__setattr__(self, "relative_days", {" ".join(k.lower().split()): int(v) for k, v in d["relative_days"].items()})
        object.__setattr__(self, "anaphoric_days", {" ".join(k.lower().split()): int(v) for k, v in d["anaphoric_days"].items()})

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Lexicon:
        """Check every section and key (E201 names the file and the key), then compile."""
        from ..errors import ConfigError

        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a mapping of sections {sorted(SCHEMA)}")
        unknown = sorted(set(data) - set(SCHEMA))
        if unknown:
            raise ConfigError(f"{source}: unknown sections {unknown}; known: {sorted(SCHEMA)}")
        words: dict[str, dict[str, Any]] = {}
        packaged: dict[str, Any] | None = None  # read once, only for a lexicon that lacks an added key
        for section, keys in SCHEMA.items():
            got = data.get(section)
            if not isinstance(got, dict):
                raise ConfigError(f"{source}: section {section!r} is missing or not a mapping")
            extra = sorted(k for k in set(got) - set(keys) if (section, k) not in _RETIRED)
            if extra:
                raise ConfigError(f"{source}: {section}: unknown keys {extra}; known: {list(keys)}")
            for key in keys:
                if key not in got and (section, key) in _ADDED:
                    packaged = packaged or read_yaml(resource_path("lexicon.yaml"))
                    got = {**got, key: packaged[section][key]}
                value = got.get(key)
                mapping = (section, key) in _MAPPINGS
                ok = isinstance(value, dict) if mapping else isinstance(value, list)
                if not ok or not value or not all(isinstance(x, str) and x.strip() for x in value):
                    kind = "a mapping of words" if mapping else "a non-empty list of words"
                    raise ConfigError(f"{source}: {section}.{key} must be {kind}, got {value!r}")
            words[section] = {k: v for k, v in got.items() if (section, k) not in _RETIRED}
        return cls(words)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Lexicon:
        return cls.from_dict(read_yaml(path), str(path))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon shipped with the package (``resources/lexicon.yaml``)."""
    return Lexicon.from_yaml(resource_path("lexicon.yaml"))
