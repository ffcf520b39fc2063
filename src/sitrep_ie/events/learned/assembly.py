"""Drafts made event records: arguments, dates, confidence features, outcomes sharing their cause's day and doers."""

from __future__ import annotations

import dataclasses
import re
from typing import Sequence

import numpy as np

from ...schema import Event, Mention, Place, Quantity, unit_lemma
from ..arguments import split_designator
from ..dates import event_date, is_running_total, starts_a_count
from ..pipeline import EventLayer
from .context import PARAGRAPH_BREAK, QUOTE, ROLES, Context, memo, window
from .decoding import MERGE_REACH, Draft, arg_keys
from .weights import LinkerWeights


class Peers:
    """The decoded drafts of a report indexed by type and by argument value, so that each event's
    features find its same-type twins without a scan of every draft (quadratic in long reports)."""

    def __init__(self, ctx: Context, drafts: Sequence[Draft], merges: dict[tuple[int, int], float] | None = None) -> None:
        self.ctx = ctx
        self.count: dict[str, int] = {}
        self.with_key: dict[tuple[str, tuple[str, str]], list[int]] = {}  # (type, value) -> ids of drafts
        for d in drafts:
            ty = ctx.triggers[d.mentions[0]].type
            self.count[ty] = self.count.get(ty, 0) + 1
            for k in arg_keys(ctx, d):
                self.with_key.setdefault((ty, k), []).append(id(d))
        self.per_sentence: dict[int, int] = {}
        for k in range(len(ctx.triggers)):
            self.per_sentence[ctx.sentence_of[k]] = self.per_sentence.get(ctx.sentence_of[k], 0) + 1
        # per draft, the likeliest merge with a mention of another draft that decoding left apart: a restatement the
        # merge network half-believed is often one event output twice
        self.unmerged: dict[int, float] = {}
        draft_of = {i: id(d) for d in drafts for i in d.mentions}
        for (a, b), p in (merges or {}).items():
            da, db = draft_of.get(a), draft_of.get(b)
            if da is not None and db is not None and da != db:
                for x in (da, db):
                    self.unmerged[x] = max(self.unmerged.get(x, 0.0), p)

    def twins(self, d: Draft) -> tuple[int, int]:
        """Other drafts of d's type (d one of the drafts indexed), and how many of them (at most
        ``MERGE_REACH`` + 1 counted) share a value with d."""
        ty = self.ctx.triggers[d.mentions[0]].type
        shared: set[int] = set()
        for k in sorted(arg_keys(self.ctx, d)):  # in a fixed order: the count stops early, and a set's order follows the hash seed
            shared.update(o for o in self.with_key.get((ty, k), ()) if o != id(d))
            if len(shared) > MERGE_REACH:
                break
        return self.count[ty] - 1, len(shared)


def near_misses(ctx: Context, d: Draft, scores: dict[tuple[int, int], float] | None, claimed: set[int]) -> list[float]:
    """Per role, the likeliest candidate that the event's mentions scored but that no event took: a value
    just below its threshold is often one the event lacks."""
    best = dict.fromkeys(ROLES, 0.0)
    if scores:
        for i in d.mentions:
            for j in window(ctx, i):
                role = ctx.candidates[j].role
                if j not in claimed and (p := scores.get((i, j), 0.0)) > best[role]:
                    best[role] = p
    return [best[r] for r in ROLES]


def bracket_partners(ctx: Context) -> dict[int, int]:
    """Actor candidates written as a name and its bracketed abbreviation ("Danish Demining Group (DDG)"), each
    to the other: when one names an event's doer, so does the other, and GUIDELINES 4.2 lists both."""
    return memo(ctx, ("bracket_partners", 0), lambda: _index_bracket_partners(ctx))


def _index_bracket_partners(ctx: Context) -> dict[int, int]:
    text = ctx.doc.text
    actors = sorted((j for j, c in enumerate(ctx.candidates) if c.role == "actor"), key=lambda j: ctx.candidates[j].start)
    out: dict[int, int] = {}
    for a, b in zip(actors, actors[1:]):
        first, second = ctx.candidates[a], ctx.candidates[b]
        if text[first.end:second.start].strip() == "(" and text[second.end:second.end + 3].lstrip().startswith(")"):
            out[a], out[b] = b, a
    return out


def event_features(ctx: Context, d: Draft, layer: EventLayer, types: Sequence[str], peers: Peers,
                   misses: Sequence[float]) -> list[float]:
    """What the confidence model reads of one decoded event: how sure the trigger head and the links
    were, how many values of each role it holds, whether its words agree with its type (a trigger cue
    of the type, a unit the type hints), how many mentions and rival triggers it has, whether another
    event of its type shares a value with it or was nearly merged with it (a restatement left unmerged), and its
    type. ``peers``: the report's drafts, d among them."""
    text = ctx.doc.text
    twins, shared = peers.twins(d)
    head = ctx.triggers[d.mentions[0]]
    et = layer.ontology[head.type]
    arg_p = list(d.args.values()) or [0.0]
    roles = [ctx.candidates[j].role for j in d.args]
    units = [c.quantity.unit for j in d.args if (c := ctx.candidates[j]).quantity is not None and c.quantity.unit]
    sent_i = ctx.sentence_of[d.mentions[0]]
    sent = ctx.doc.sentences[sent_i]
    rivals = peers.per_sentence.get(sent_i, 0) - sum(1 for i in set(d.mentions) if ctx.sentence_of[i] == sent_i)
    return [head.score, max(ctx.triggers[i].score for i in d.mentions), float(np.mean(arg_p)), min(arg_p), max(arg_p),
            *(float(np.log1p(roles.count(r))) for r in ROLES), float(np.log1p(len(d.mentions) - 1)),
            float(bool(et.trigger_matches(text[head.start:head.end]))), float(bool(et.standalone_cues(text[sent.start:sent.end]))),
            float(any(et.hints_unit(unit_lemma(u)) for u in units)), float(np.log1p(rivals)),
            float(any(ch.isdigit() for ch in text[sent.start:sent.end])), float(np.log1p(twins)), float(np.log1p(shared)),
            float(sent_i == 0), float(bool(QUOTE.search(text[sent.start:head.start]))), peers.unmerged.get(id(d), 0.0), *misses,
            *(float(head.type == t) for t in types)]


def to_events(ctx: Context, drafts: list[Draft], layer: EventLayer, weights: LinkerWeights, model_version: str | None,
              features: list[list[float]] | None = None, scores: dict[tuple[int, int], float] | None = None,
              merges: dict[tuple[int, int], float] | None = None) -> list[Event]:
    """Event records of decoded drafts: one value per argument key, dates by rule, calibrated confidence
    (``features``: a list that receives each event's ``event_features``, for fitting the confidence model;
    ``scores`` and ``merges``: the link and merge probabilities, whose near misses the confidence model reads)."""
    text = ctx.doc.text
    events = []
    stated: list[tuple[int, bool]] = []  # per event: the sentence of its first mention, whether it states its own day
    peers = Peers(ctx, drafts, merges)
    claimed = {j for d in drafts for j in d.args}
    partners = bracket_partners(ctx)
    for d in drafts:
        if all(planned(ctx, i, layer) or in_series_title(ctx, i, layer) for i in d.mentions):
            continue  # linked all the same: its numbers belong to the plan (its places to the title), not to an event beside it
        head = ctx.triggers[d.mentions[0]]
        seen: set[tuple[str, str]] = set()
        actors, places, quantities = [], [], []
        for j in sorted(set(d.args) | {partners[j] for j in d.args if j in partners}, key=lambda j: ctx.candidates[j].start):
            c = ctx.candidates[j]
            if c.key() in seen:
                continue  # a restated value ("As many as 275 ... have been cleared") counts once
            seen.add(c.key())
            if c.role == "actor":
                actors.append(Mention(c.text, c.start, c.end))
            elif c.role == "place":
                parent = ctx.candidates[ctx.admin_of[j]] if j in ctx.admin_of else None
                places.append(Place(name=c.text, start=c.start, end=c.end, admin=parent.text if parent else None,
                                    admin_span=(parent.start, parent.end) if parent else None,
                                    designator=split_designator(c.text, layer.normalisation)[1]))
            elif c.quantity is not None:
                quantities.append(c.quantity)
        quantities = merge_restated_quantities(quantities)
        date, precision, dspan = draft_date(ctx, d, layer)
        if weights.confidence is not None or features is not None:
            feats = event_features(ctx, d, layer, weights.types, peers, near_misses(ctx, d, scores, claimed))
        if weights.confidence is not None:
            confidence = float(weights.confidence(np.asarray(feats, dtype=np.float64))[0])
        else:
            arg_p = list(d.args.values())
            confidence = weights.calibrate(head.score * (float(np.mean(arg_p)) if arg_p else 0.5))
        if confidence < weights.min_confidence:
            continue
        if features is not None:  # one row per event returned, in their order
            features.append(feats)
        # one span per sentence: two verbs of one fact in one sentence ("discovered, seized and defused") are one piece of evidence
        evidence = [Mention(text[s.start:s.end], s.start, s.end)
                    for s in (ctx.doc.sentences[k] for k in dict.fromkeys(ctx.sentence_of[i] for i in d.mentions))]
        events.append(Event(
            type=head.type, date=date, date_precision=precision, date_span=dspan if date else None,
            actors=actors, places=places, quantities=quantities, evidence=evidence,
            confidence=confidence, trigger=Mention(text[head.start:head.end], head.start, head.end),
            model_version=model_version,
        ))
        stated.append((ctx.sentence_of[d.mentions[0]], states_own_day(ctx, date, dspan)))
    carry_to_outcomes(ctx, events, stated, layer)
    return events


def merge_restated_quantities(quantities: Sequence[Quantity]) -> list[Quantity]:
    """One quantity for a number an event restates with more or fewer words in its unit ("326 families" in the
    headline, "326 displaced families" in the lead): the one whose unit says more stays, where the first stood.
    Units whose words differ both ways ("5 anti-tank mines", "5 anti-personnel mines") are two quantities. Words
    are compared by the lemma each quantity carries (``Quantity.unit_lemma``).

    Example:
        >>> q = lambda v, u, at: Quantity(v, at, at + 3, str(v), unit=u, unit_lemma=u and unit_lemma(u))
        >>> [x.unit for x in merge_restated_quantities([q(326, "families", 0), q(326, "displaced families", 50), q(211, None, 90)])]
        ['displaced families', None]
    """
    out: list[Quantity] = []
    words: list[frozenset[str]] = []
    for q in quantities:
        w = frozenset((q.unit_lemma or "").split())
        for k, kept in enumerate(out):
            if (kept.value, kept.upper) == (q.value, q.upper) and w and words[k] and (w < words[k] or words[k] < w):
                if words[k] < w:
                    out[k], words[k] = q, w
                break
        else:
            out.append(q)
            words.append(w)
    return out


def carry_to_outcomes(ctx: Context, events: list[Event], stated: Sequence[tuple[int, bool]], layer: EventLayer) -> None:
    """An event of a type that is the outcome of another (``outcome_of`` in the ontology: the dead and wounded of
    an attack) takes the date and places of that event, stated in its sentence or the one before in the same paragraph
    (the next bullet counts: "• Strikes hit Batbu and Taqad.\n• The strikes killed 46 civilians."), when it states
    none of its own (GUIDELINES 4.6: "Shelling hit Horlivka on Monday. Two civilians were killed."). In one sentence
    the two share their actors too (``share_actors``)."""
    text, sents = ctx.doc.text, ctx.doc.sentences
    causes = {c for t in layer.ontology.types for c in t.outcome_of}
    by_sentence: dict[int, list[int]] = {}  # sentence -> the events of a cause type stated there (no scan per outcome)
    for j, other in enumerate(events):
        if other.type in causes:
            by_sentence.setdefault(stated[j][0], []).append(j)

    def at(j: int) -> int:
        return events[j].trigger.start if events[j].trigger else 0

    for k, ev in enumerate(events):
        et = layer.ontology.get(ev.type)
        if et is None or not et.outcome_of:
            continue
        s, own_day = stated[k]
        reach = [s] + ([s - 1] if s > 0 and not PARAGRAPH_BREAK.search(text, sents[s - 1].start, sents[s].start) else [])
        # the nearest before it, else one in its own sentence after it
        sources = [j for r in reach for j in by_sentence.get(r, ()) if events[j].type in et.outcome_of]
        if not sources:
            continue
        before = [j for j in sources if at(j) < at(k)]
        src = max(before, key=at) if before else min(sources, key=at)
        if not ev.places:
            ev.places = [dataclasses.replace(p) for p in events[src].places]
        if stated[src][0] == s:  # GUIDELINES 4.6: the attacker its sentence names is an actor of both events
            share_actors(ev, events[src])
        if not own_day and stated[src][1] and not _dated_by_its_sentence(ctx, ev, s, events[src], stated[src][0] == s, layer):
            ev.date, ev.date_precision, ev.date_span = events[src].date, events[src].date_precision, events[src].date_span


def _dated_by_its_sentence(ctx: Context, outcome: Event, s: int, cause: Event, same_sentence: bool, layer: EventLayer) -> bool:
    """Whether an outcome's own sentence settles its date though it states no day: a period ("killed between 4 and
    7 November" dates nothing), or a count that runs to the report's day, also when it runs from the attack's day
    ("144 people have been killed since fighting erupted on 3 April")."""
    if outcome.date is None and outcome.date_precision is not None:
        return True
    text, sent = ctx.doc.text, ctx.doc.sentences[s]
    if is_running_total(text[sent.start:sent.end], layer.lexicon):
        return True
    return same_sentence and outcome.trigger is not None and cause.date_span is not None \
        and starts_a_count(text, sent, cause.date_span, (outcome.trigger.start, outcome.trigger.end))


def share_actors(outcome: Event, cause: Event) -> None:
    """An attack and its dead stated in one sentence have one attacker: when only one of the two events was
    linked to it (the doer sits nearer one verb: "clan militias clashed ...; four people killed"), the other
    takes it. Two events that each have actors keep their own. Measured on the corpus-v8 model 20261204T161224Z-642a8d:
    dev actor F1 0.870 -> 0.873 (4 more actors, 3 right), train 0.926 -> 0.928 (11 more, 10 right).

    >>> from sitrep_ie.schema import Event, Mention
    >>> attack = Event("ceasefire_violation", None, actors=[Mention("Militants", 0, 9)])
    >>> dead = Event("casualties", None)
    >>> share_actors(dead, attack); [a.text for a in dead.actors]
    ['Militants']
    """
    if not outcome.actors and cause.actors:
        outcome.actors = [dataclasses.replace(a) for a in cause.actors]
    elif not cause.actors and outcome.actors:
        cause.actors = [dataclasses.replace(a) for a in outcome.actors]


PLAN_CHARS = 80  # how far before a trigger its plan cue may start ("is expected to gradually begin to hand over")


def planned(ctx: Context, i: int, layer: EventLayer) -> bool:
    """Whether trigger i is a plan ("WFP will deliver", "the planned evacuation"): planned, promised or
    conditional actions make no event (GUIDELINES 4), and the corpus marks no trigger after such a cue."""
    t = ctx.triggers[i]
    lo = max(t.start - PLAN_CHARS, ctx.doc.sentences[ctx.sentence_of[i]].start)
    return bool(layer.lexicon.plan_before.search(ctx.doc.text[lo:t.start]))


SERIES_HEAD_CHARS = 300  # where a report-series title may stand: the report's first lines
SERIES_LINE_CHARS = 200  # a longer line is body text that names a series, not a title
LINE = re.compile(r"[^\n]+")


def series_titles(text: str, layer: EventLayer) -> list[tuple[int, int]]:
    """The title lines in the head of a report that name a report series ("Somalia: Clashes in Sanaag - Flash Update
    No. 1", "Syria - Clashes in northern Daraa governorate (DG ECHO, OCHA, SARC)"): lexicon ``series_titles``.

    >>> from sitrep_ie.events.pipeline import EventLayer
    >>> series_titles("Somalia: Clashes in Sanaag - Flash Update No. 1\\nIssued: 18 December 2023\\n", EventLayer())
    [(0, 47)]
    >>> series_titles("Clashes in Sanaag\\nThe UN said in its latest situation report that 300 families fled.", EventLayer())
    []

    A line that ends in a full stop is a sentence that names a series, not a title.
    """
    out = []
    for m in LINE.finditer(text):
        if m.start() >= SERIES_HEAD_CHARS:
            break
        line = m.group().rstrip()
        if len(line) <= SERIES_LINE_CHARS and not line.endswith(".") and layer.lexicon.series_title.search(line):
            out.append((m.start(), m.end()))
    return out


def in_series_title(ctx: Context, i: int, layer: EventLayer) -> bool:
    """Whether trigger i stands in a series title line (``series_titles``): such a title names the report's topic
    ("Clashes in Sanaag"), which its body states as events; the annotation marks no trigger there."""
    t = ctx.triggers[i]
    return any(a <= t.start < b for a, b in memo(ctx, ("series_titles", 0), lambda: series_titles(ctx.doc.text, layer)))


ANAPHORA_REACH = 3  # sentences back that "the same day" looks for the day it means


def states_own_day(ctx: Context, date: str | None, span: tuple[int, int] | None) -> bool:
    """Whether a date was read from the event's own words, not given by the report's header or dateline."""
    return date is not None and span is not None and span not in (ctx.doc.dates.header, ctx.doc.dates.dateline)


def _period(date: tuple[str | None, str | None, tuple[int, int] | None]) -> bool:
    """Is this ``event_date`` result a period its sentence states (no day, but a precision)?"""
    return date[0] is None and date[1] is not None


def draft_date(ctx: Context, d: Draft, layer: EventLayer) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """The date of a fact by rule: the first mention whose sentence states its own day (a headline gives
    the report's date, the lead restating it says "on Monday"), else the first period a mention states, else
    what the first mention's sentence gives."""
    first = None
    for i in d.mentions:
        k = ctx.sentence_of[i]
        sent = ctx.doc.sentences[k]
        trig = ctx.triggers[i]
        # the sentences a "the same day" may point back to, nearest first
        before = ctx.doc.sentences[max(0, k - ANAPHORA_REACH):k][::-1]
        got = event_date(ctx.doc.text, sent, ctx.doc.dates, layer.lexicon, (trig.start, trig.end), before)
        if states_own_day(ctx, got[0], got[2]):
            return got
        if first is None or (_period(got) and not _period(first)):
            # a headline gives the report's date by default; the lead restating it, a period ("this week")
            first = got
    return first if first is not None else (None, None, None)
