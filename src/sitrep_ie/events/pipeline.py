"""The configs of the event layer and a report as the event layer reads it.

:class:`EventLayer` holds the three configs (ontology, normalisation, lexicon) that the learned
layer (learned/) and its rule-based parts (dates, units, qualifiers, admin parents) read;
:func:`segment` cuts a report into sentences and clauses and finds its dates. The rule assembler
that once stood here was removed when the learned layer won every argument role on dev (issue 12).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from ..config import resource_path
from .dates import ReportDates, report_dates
from .lexicon import Lexicon, default_lexicon
from .ontology import Ontology, default_ontology
from .quantities import NormalisationConfig, default_config
from .segment import Segment, clauses, list_blocks, sentences, table_blocks

#: the config files an event layer reads, by role (also their names in a model directory).
CONFIG_FILES = {"ontology": "ontology.yaml", "normalisation": "normalisation.yaml", "lexicon": "lexicon.yaml"}


@dataclass
class _Doc:
    """One report as the event layer sees it."""

    text: str
    sentences: list[Segment]
    clauses: list[tuple[int, Segment]]  # (sentence index, clause), in text order
    dates: ReportDates
    tables: list[tuple[int, int]] = field(default_factory=list)  # (first, last) sentence of each table or ":" list


def segment(text: str, lex: Lexicon, reference_date: dt.date | None) -> _Doc:
    """Sentences, clauses, tables (and lists a ":" line introduces) and the report's dates."""
    sents = sentences(text, lex)
    flat = [(si, c) for si, s in enumerate(sents) for c in clauses(text, s, lex)]
    return _Doc(text, sents, flat, report_dates(text, reference_date, lex), sorted(table_blocks(text, sents) + list_blocks(text, sents)))


class EventLayer:
    """The configs of the event layer.

    Args:
        ontology: event types (default: the packaged ontology.yaml).
        normalisation: quantity and place settings (default: the packaged normalisation.yaml).
        lexicon: English cue words (default: the packaged lexicon.yaml).

    Example:
        >>> layer = EventLayer()
        >>> "demining" in layer.ontology.names
        True
    """

    def __init__(self, ontology: Ontology | None = None, normalisation: NormalisationConfig | None = None,
                 lexicon: Lexicon | None = None) -> None:
        self.ontology = ontology or default_ontology()
        self.normalisation = normalisation or default_config()
        self.lexicon = lexicon or default_lexicon()

    @classmethod
    def from_files(cls, ontology: str | Path | None = None, normalisation: str | Path | None = None,
                   lexicon: str | Path | None = None) -> EventLayer:
        """Load the configs from files; a path left out is the packaged default."""
        return cls(Ontology.from_yaml(ontology or resource_path(CONFIG_FILES["ontology"])),
                   NormalisationConfig.from_yaml(normalisation or resource_path(CONFIG_FILES["normalisation"])),
                   Lexicon.from_yaml(lexicon or resource_path(CONFIG_FILES["lexicon"])))
