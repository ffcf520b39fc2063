"""``LearnedEventLayer``: the callable that runs the steps of this package on one report."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np

from ...schema import Entity, Event
from ..pipeline import EventLayer
from ..segment import sentences
from .assembly import to_events
from .context import Candidate, Context, EncoderStates, TriggerSpan, prepare, span_vectors, split_tags, window
from .decoding import decode, link, merge_scores
from .features import ROWS_AT_ONCE, merge_features, pair_matrix
from .triggers import decode_triggers, rescue_triggers, trigger_features, trigger_head_rows, word_cues, words_of
from .weights import LinkerWeights, Mlp


MARGIN = 0.15  # a link this close to the threshold counts as undecided (active learning)


class LearnedEventLayer:
    """The learned layer over an :class:`EventLayer`'s configs (dates, units, admin rules, lexicon).

    Example:
        >>> layer = LearnedEventLayer(EventLayer(), LinkerWeights.from_disk(Path("models/default")))  # doctest: +SKIP
    """

    def __init__(self, configs: EventLayer, weights: LinkerWeights) -> None:
        self.configs = configs
        self.weights = weights

    def find_triggers(self, text: str, entities: Sequence[Entity], tagged: Sequence[TriggerSpan],
                      states: EncoderStates | None) -> list[TriggerSpan]:
        """The event triggers of a report: the trigger head's over the tagger's guesses, when the model has one."""
        if self.weights.trigger is None or states is None:
            return sorted(tagged, key=lambda t: (t.start, t.end))
        words = words_of(text)
        if not words:
            return []
        # the encoder vectors, most of a row, are built a block of words at a time: a long report's whole
        # feature matrix took 1.7 KB a word (130 MB for 400 KB of text)
        cues = word_cues(text, entities, tagged, words, self.configs)
        probs = np.concatenate([self.weights.trigger(trigger_head_rows(words[a:a + ROWS_AT_ONCE], states, cues[a:a + ROWS_AT_ONCE]))
                                for a in range(0, len(words), ROWS_AT_ONCE)])
        found = decode_triggers(words, probs, self.weights.types, self.weights.trigger_threshold)
        if self.weights.rescue_threshold is None:
            return found
        spans = [(x.start, x.end) for x in sentences(text, self.configs.lexicon)]
        quantities = [e.start for e in entities if e.label == "QUANTITY"]
        return sorted(found + rescue_triggers(words, probs, self.weights.types, found, spans, quantities, self.weights.rescue_threshold),
                      key=lambda t: (t.start, t.end))

    def assemble(self, text: str, entities: Sequence[Entity], triggers: Sequence[TriggerSpan], *, offsets: np.ndarray | None = None,
                 hidden: np.ndarray | None = None, reference_date: dt.date | None = None, model_version: str | None = None,
                 triggers_given: bool = False) -> list[Event]:
        """Event records of one report from its tagged entities and triggers, in text order."""
        return self.assemble_with_uncertainty(text, entities, triggers, offsets=offsets, hidden=hidden, reference_date=reference_date,
                                              model_version=model_version, triggers_given=triggers_given)[0]

    def assemble_with_uncertainty(self, text: str, entities: Sequence[Entity], triggers: Sequence[TriggerSpan], *,
                                  offsets: np.ndarray | None = None, hidden: np.ndarray | None = None,
                                  reference_date: dt.date | None = None, model_version: str | None = None,
                                  triggers_given: bool = False) -> tuple[list[Event], float | None]:
        """Events, and how unsure the layer is of them (for active learning; None without events).

        ``triggers_given``: the triggers are final (annotated ones, when scoring the layer on the annotated
        spans), so the trigger head does not decide them again.

        The uncertainty is the mean of two shares: 1 - the events' calibrated confidence, and the
        links whose probability lies within ``MARGIN`` of the threshold (the decisions a small
        change would flip).
        """
        # a trigger of a type the ontology lacks (configs replaced after training) can make no event record
        states = EncoderStates.of(offsets, hidden)
        found = sorted(triggers, key=lambda t: (t.start, t.end)) if triggers_given else self.find_triggers(text, entities, triggers, states)
        triggers = [t for t in found if t.type in self.configs.ontology]
        if not triggers:
            return [], None
        # the trigger head read every tagged span as a cue in training; the floors decide which are arguments
        ctx = prepare(text, self.weights.credible(entities), triggers, self.configs, reference_date, states)
        if not ctx.doc.sentences:
            return [], None
        scores = link(ctx, self.configs, self.weights)
        merges = merge_scores(ctx, self.weights)
        drafts = decode(ctx, scores, merges, self.weights)
        events = sorted(to_events(ctx, drafts, self.configs, self.weights, model_version, scores=scores, merges=merges),
                        key=lambda e: e.trigger.start if e.trigger else 0)
        if not events:
            return events, None
        unsure = float(np.mean([abs(p - self.weights.threshold(ctx.candidates[j].role)) < MARGIN for (_, j), p in scores.items()])) \
            if scores else 0.0
        return events, 0.5 * float(np.mean([1.0 - e.confidence for e in events])) + 0.5 * unsure


__all__ = ["LearnedEventLayer", "split_tags", "LinkerWeights", "Mlp", "TriggerSpan", "Candidate", "Context", "prepare", "window",
           "pair_matrix", "merge_features", "EncoderStates", "span_vectors", "link", "decode", "to_events", "merge_scores", "trigger_features",
           "decode_triggers", "words_of"]
