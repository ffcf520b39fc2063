"""The extractor: a tagger (model/) and an event layer (events/) behind one object.

The model directory carries the configs it was trained with; ``Extractor(model, ontology=...)``
replaces any of them without retraining.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .errors import ConfigError, ModelIncompatibleError
from .data.labels import event_type_of
from .events.dates import as_date
from .events.learned import LearnedEventLayer, LinkerWeights, split_tags
from .events.pipeline import CONFIG_FILES, EventLayer
from .events.spans import refine_spans, refine_tagged
from .geo import geocode_events
from .model.tagger import Tagged, Tagger, check_text
from .data.labels import LabelSet
from .schema import Entity, Event


CHUNK_REPORTS = 32  # reports tagged together by extract_many before their events are assembled


def default_model_path() -> Path:
    """$SITREP_IE_MODEL if set, else models/default under the working directory."""
    return Path(os.environ.get("SITREP_IE_MODEL") or Path("models") / "default")


class Extractor:
    """A loaded model plus the event layer; loads on first use, once; safe to share between threads.

    Args:
        model: model directory (default: $SITREP_IE_MODEL or models/default).
        backend: "auto" (the model's recorded default), or one of onnx-int8, onnx-fp32, torch-fp32.
        ontology: event ontology YAML (default: the copy saved with the model).
        normalisation: normalisation YAML (default: the copy saved with the model).
        lexicon: cue-word YAML (default: the copy saved with the model).
        batch_size: windows per forward pass of the torch backend (ONNX backends run windows one by one, in parallel).
        threads: CPU threads (default: all cores).

    Example:
        >>> ex = Extractor("models/default")  # doctest: +SKIP
        >>> [e.type for e in ex.extract("Sappers cleared 12 mines in Aleppo.")]  # doctest: +SKIP
        ['demining']
    """

    def __init__(self, model: str | Path | None = None, *, backend: str = "auto", ontology: str | Path | None = None,
                 normalisation: str | Path | None = None, lexicon: str | Path | None = None,
                 batch_size: int = 8, threads: int | None = None) -> None:
        self.tagger = Tagger(Path(model) if model is not None else default_model_path(), backend=backend,
                             batch_size=batch_size, threads=threads)
        self.path = self.tagger.path
        self._config_paths = {"ontology": ontology, "normalisation": normalisation, "lexicon": lexicon}
        self._lock = threading.Lock()
        self._events: EventLayer | None = None
        self._learned: LearnedEventLayer | None = None

    @property
    def events(self) -> EventLayer:
        """The event layer, with the model's configs unless others were given."""
        if self._events is None:
            with self._lock:
                if self._events is None:
                    md = self.tagger.model_dir
                    paths = {role: given or md.config_file(CONFIG_FILES[role]) for role, given in self._config_paths.items()}
                    try:
                        self._events = EventLayer.from_files(**paths)
                    except ConfigError as exc:
                        if any(self._config_paths.values()):
                            raise
                        raise ModelIncompatibleError(f"the configs saved with the model in {md.resolved()} do not load "
                                                     f"({exc.message}); pass ontology=/normalisation=/lexicon= paths or retrain") from None
        return self._events

    @property
    def learned(self) -> LearnedEventLayer:
        """The learned event layer saved with the model (E103 when the model has none: a tagger-only model)."""
        if self._learned is None:
            md = self.tagger.model_dir
            self.tagger.load()
            if not (LinkerWeights.present(md.resolved()) and any(event_type_of(n) for n in self.tagger.labels.names)):
                raise ModelIncompatibleError(f"{md.resolved()} has no learned event layer (a model trained with events: false); "
                                             "retrain with `make train`")
            self._learned = LearnedEventLayer(self.events, LinkerWeights.from_disk(md.resolved()))
        return self._learned

    @property
    def backend(self) -> str:
        self.tagger.load()
        return self.tagger.backend

    @property
    def labels(self) -> LabelSet:
        self.tagger.load()
        return self.tagger.labels

    @property
    def entity_labels(self) -> LabelSet:
        """The entity labels of the model (its triggers left out): what annotations are read with."""
        return LabelSet(tuple(lab for lab in self.labels.labels if event_type_of(lab.name) is None))

    @property
    def model_version(self) -> str:
        self.tagger.load()
        return self.tagger.model_version

    def _refine(self, text: str, entities: list[Entity]) -> list[Entity]:
        """The tagger's spans mended by the annotation rules (events/spans.py)."""
        return refine_spans(text, entities, self.events.lexicon)

    def _tag_full(self, texts: list[str], batch_size: int | None = None) -> list[Tagged]:
        return refine_tagged(texts, self.tagger.tag_full(texts, batch_size), self.events.lexicon)

    def tag_many(self, texts: Iterable[str], batch_size: int | None = None) -> list[list[Entity]]:
        """Entities of each text (see :meth:`tag`); triggers are not entities (see :meth:`tag_full`)."""
        texts = list(texts)
        return [split_tags(self._refine(t, ents))[0] for t, ents in zip(texts, self.tagger.tag_many(texts, batch_size))]

    def tag_full(self, texts: Iterable[str], batch_size: int | None = None) -> list[Tagged]:
        """Entities with triggers (``EVT_<TYPE>``), uncertainty and hidden states of each text."""
        return self._tag_full(list(texts), batch_size)

    def tag_with_uncertainty(self, texts: Iterable[str], batch_size: int | None = None) -> list[tuple[list[Entity], float]]:
        """Entities and model uncertainty of each text (mean least-confidence over words; for active learning)."""
        texts = list(texts)
        return [(split_tags(self._refine(t, ents))[0], unc) for t, (ents, unc) in zip(texts, self.tagger.tag_with_uncertainty(texts, batch_size))]

    def tag(self, text: str) -> list[Entity]:
        """Tagged QUANTITY/UNIT/PLACE/ACTOR spans of one text, in order."""
        return self.tag_many([text])[0]

    def extract_many(self, texts: Iterable[str], *, reference_dates: Sequence[dt.date | str | None] | None = None,
                     batch_size: int | None = None) -> list[list[Event]]:
        """Events of each text; ``reference_dates`` (one per text) resolves datelines and weekdays."""
        texts = [check_text(t, "extract") for t in texts]
        refs = list(reference_dates) if reference_dates is not None else [None] * len(texts)
        if len(refs) != len(texts):
            raise ValueError(f"{len(refs)} reference dates for {len(texts)} texts")
        dates = [as_date(r) for r in refs]
        out: list[list[Event]] = []
        # hidden states are kept per token until a report is assembled: tag in chunks so memory stays
        # bounded however many reports one call gets (results do not depend on the chunking)
        starts = range(0, len(texts), CHUNK_REPORTS)
        chunks = [texts[a:a + CHUNK_REPORTS] for a in starts]
        for a, chunk, tagged in zip(starts, chunks, self._tag_ahead(chunks, batch_size)):
            out += [self.assemble(t, tg.entities, reference_date=r, tagged=tg) for t, tg, r in zip(chunk, tagged, dates[a:a + CHUNK_REPORTS])]
        return out

    def _tag_ahead(self, chunks: Sequence[list[str]], batch_size: int | None) -> Iterator[list[Tagged]]:
        """The tags of each chunk; the next chunk is tagged while the caller assembles this one.

        Assembly is single-threaded Python and the encoder runs in ONNX Runtime without the GIL, so
        overlapping them keeps both cores busy; each chunk is tagged alone, so results are unchanged.
        numpy's BLAS is held to one thread meanwhile: its worker threads, spinning beside the encoder's,
        made the overlap slower than none (measured on 2 cores: 6.1-6.8k against 7.4-8.4k words/s).
        """
        if len(chunks) < 2:
            yield from (self._tag_full(c, batch_size) for c in chunks)
            return
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"), \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitrep-ie-tag-ahead") as ahead:
            pending = ahead.submit(self._tag_full, chunks[0], batch_size)
            for k in range(len(chunks)):
                tagged = pending.result()
                if k + 1 < len(chunks):
                    pending = ahead.submit(self._tag_full, chunks[k + 1], batch_size)
                yield tagged

    def assemble(self, text: str, entities: Sequence[Entity], *, reference_date: dt.date | str | None = None,
                 tagged: Tagged | None = None, triggers_given: bool = False) -> list[Event]:
        """Events from already-tagged entities (what extract() does after tagging).

        Entities may include triggers (``EVT_<TYPE>`` labels): cues for the model's trigger head, or, with
        ``triggers_given``, the triggers themselves (annotated ones). The learned layer also reads the
        encoder's hidden states: from ``tagged`` when given, else from one tagger pass over ``text``.
        """
        return self._assemble(text, entities, as_date(reference_date), tagged, triggers_given)[0]

    def _assemble(self, text: str, entities: Sequence[Entity], ref: dt.date | None, tagged: Tagged | None,
                  triggers_given: bool = False) -> tuple[list[Event], float | None]:
        """Events, geocoded, and the learned layer's uncertainty about them."""
        plain, triggers = split_tags(entities)
        if tagged is None:
            tagged = self._tag_full([text])[0]
        events, unc = self.learned.assemble_with_uncertainty(text, plain, triggers, offsets=tagged.token_offsets, hidden=tagged.hidden,
                                                             reference_date=ref, model_version=self.model_version, triggers_given=triggers_given)
        geocode_events(events, text)  # place.geo; the gazetteer opens only when there is a place to resolve
        return events, unc

    def annotate_many(self, texts: Sequence[str]) -> list[tuple[list[Entity], list[Event], float]]:
        """Entities, events and uncertainty of each text, for pre-annotating reports in Label Studio.

        The uncertainty is event-level (unsure events and links, see ``LearnedEventLayer.assemble_with_uncertainty``),
        else, for a report without events, the tagger's mean least-confidence.
        """
        out = []
        for text, tg in zip(texts, self._tag_full([check_text(t, "extract") for t in texts])):
            events, unc = self._assemble(text, tg.entities, None, tg)
            out.append((split_tags(tg.entities)[0], events, tg.uncertainty if unc is None else unc))
        return out

    def extract(self, text: str, *, reference_date: dt.date | str | None = None) -> list[Event]:
        """Event records of one report (SPEC.md), in text order."""
        return self.extract_many([text], reference_dates=[reference_date])[0]


_default: dict[str, Extractor] = {}
_default_lock = threading.Lock()


def default_extractor() -> Extractor:
    """One shared Extractor per model path (the package-level extract() and tag() use it)."""
    key = str(default_model_path())
    with _default_lock:
        if key not in _default:
            _default[key] = Extractor(key)
        return _default[key]
