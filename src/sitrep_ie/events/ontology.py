"""The event ontology (configs/ontology.yaml): types, trigger words and unit hints.

A user adds a type by adding an entry to the YAML file; no code names a type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config import read_yaml, resource_path
from ..errors import ConfigError


# keys of the rule assembler's typing (removed in issue 12); the copies saved with older models still
# hold them, so they are read and ignored rather than refused
RETIRED_KEYS = frozenset({"scoring"})
RETIRED_TYPE_KEYS = frozenset({"priority"})


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    triggers: tuple[str, ...]
    unit_hints: tuple[str, ...]
    standalone: tuple[str, ...] = ()
    standalone_exclusions: tuple[str, ...] = ()
    victim_nouns: tuple[str, ...] = ()
    outcome_of: tuple[str, ...] = ()  # types whose event, stated just before, gives this one its date and places

    def __post_init__(self) -> None:
        object.__setattr__(self, "_trigger_re", _stems(self.triggers))
        object.__setattr__(self, "_hint_re", _stems(self.unit_hints))
        object.__setattr__(self, "_standalone_re", _stems(self.standalone))
        object.__setattr__(self, "_exclusion_re", _stems(self.standalone_exclusions))
        victims = _stems(self.victim_nouns)
        object.__setattr__(self, "_victim_re", re.compile(r"^[\s'’s-]{0,3}(?:\w+\s+)?(?:" + victims.pattern[victims.pattern.index("(?:") + 3:], re.I) if victims else None)

    def is_victim(self, after: str) -> bool:
        """An actor followed by one of the type's victim nouns ("a [WFP] convoy was hit") is not its doer."""
        rx = self._victim_re  # type: ignore[attr-defined]
        return bool(rx and rx.match(after))

    def standalone_cues(self, text: str) -> list[re.Match[str]]:
        """Every standalone mention in ``text``, exclusions left to the reader (a feature, not a decision)."""
        return _all(self._standalone_re, text)  # type: ignore[attr-defined]

    def excluded(self, text: str) -> bool:
        """Does ``text`` hold one of the type's standalone exclusions ("an unexploded shell")?"""
        ex = self._exclusion_re  # type: ignore[attr-defined]
        return bool(ex and ex.search(text))  # the first match answers: called per word by the trigger head

    def trigger_matches(self, text: str) -> list[re.Match[str]]:
        return _all(self._trigger_re, text)  # type: ignore[attr-defined]

    def hints_unit(self, unit_lemma: str) -> bool:
        rx = self._hint_re  # type: ignore[attr-defined]
        return bool(rx and rx.search(unit_lemma))


def _all(rx: re.Pattern[str] | None, text: str) -> list[re.Match[str]]:
    """Every match of a type's cue pattern (none when the type has no such cues)."""
    return list(rx.finditer(text)) if rx else []


def _stems(stems: tuple[str, ...]) -> re.Pattern[str] | None:
    if not stems:
        return None
    alts = sorted((re.escape(s.lower()).replace(r"\ ", r"\s+") for s in stems), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")", re.I)


@dataclass(frozen=True)
class Ontology:
    """Event types by name, in file order.

    Example:
        >>> onto = Ontology.from_dict({"types": {"demining": {"triggers": ["clear"], "unit_hints": ["mine"]}}})
        >>> onto.names
        ['demining']
    """

    types: tuple[EventType, ...]

    def __post_init__(self) -> None:
        # looked up per (trigger, candidate) pair by the learned layer: a dict, not a scan of the types
        object.__setattr__(self, "_by_name", {t.name: t for t in self.types})

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.types]

    def get(self, name: str) -> EventType | None:
        """The type called ``name``, None when the ontology has none."""
        return self._by_name.get(name)  # type: ignore[attr-defined]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    def __getitem__(self, name: str) -> EventType:
        return self._by_name[name]  # type: ignore[attr-defined]

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>") -> Ontology:
        if not isinstance(data, dict) or not isinstance(data.get("types"), dict) or not data["types"]:
            raise ConfigError(f"{source}: expected 'types:' mapping event type names to their settings")
        if set(data) - {"types"} - RETIRED_KEYS:
            raise ConfigError(f"{source}: unknown top-level keys {sorted(set(data) - {'types'} - RETIRED_KEYS)}; known: types")
        out = []
        for name, spec in data["types"].items():
            spec = spec or {}
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(name)):
                raise ConfigError(f"{source}: event type name {name!r} must be lower_snake_case")
            unknown = set(spec) - {"description", "triggers", "unit_hints", "standalone", "standalone_exclusions", "victim_nouns",
                                   "outcome_of"} - RETIRED_TYPE_KEYS
            if unknown:
                raise ConfigError(f"{source}: type {name!r} has unknown keys {sorted(unknown)}")
            triggers = tuple(str(x) for x in spec.get("triggers", []))
            hints = tuple(str(x) for x in spec.get("unit_hints", []))
            if not triggers and not hints:
                raise ConfigError(f"{source}: type {name!r} needs triggers or unit_hints")
            standalone = spec.get("standalone") or []
            if not isinstance(standalone, list):
                raise ConfigError(f"{source}: type {name!r}: standalone must be a list of trigger stems")
            out.append(EventType(str(name), str(spec.get("description", "")), triggers, hints,
                                 tuple(str(x) for x in standalone),
                                 tuple(str(x) for x in spec.get("standalone_exclusions") or []),
                                 tuple(str(x) for x in spec.get("victim_nouns") or []),
                                 tuple(str(x) for x in spec.get("outcome_of") or [])))
        names = {t.name for t in out}
        for t in out:
            if missing := sorted(set(t.outcome_of) - names):
                raise ConfigError(f"{source}: type {t.name!r}: outcome_of names unknown types {missing}")
        return cls(tuple(out))

    @classmethod
    def from_yaml(cls, path: str | Path) -> Ontology:
        return cls.from_dict(read_yaml(path), str(path))


@lru_cache(maxsize=1)
def default_ontology() -> Ontology:
    """The ontology shipped with the package (``resources/ontology.yaml``)."""
    return Ontology.from_yaml(resource_path("ontology.yaml"))
