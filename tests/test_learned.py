"""The learned event layer without a model: decoding, its constraints, restatements, saving and loading."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from sitrep_ie.data.corpus import parse_body
from sitrep_ie.errors import ModelCorruptError
from sitrep_ie.events.learned.assembly import merge_restated_quantities, near_misses, to_events
from sitrep_ie.events.learned.context import REACH_ACTORS, REACH_SENTENCES, EncoderStates, TriggerSpan, prepare, span_vectors, window
from sitrep_ie.events.learned.decoding import decode, merge_scores
from sitrep_ie.events.learned.features import N_HAND, N_MERGE, merge_features, pair_matrix
from sitrep_ie.events.learned.weights import LinkerWeights, Mlp
from sitrep_ie.events.pipeline import EventLayer
from sitrep_ie.schema import Entity, Quantity, unit_lemma

LAYER = EventLayer()
CODES = {"Q": "QUANTITY", "U": "UNIT", "P": "PLACE", "A": "ACTOR", "T": "TRIGGER"}
TEXT = ("[[Sappers|A]] [[cleared|T]] [[275|Q]] [[explosive devices|U]] in [[Deir ez-Zor|P]]. "
        "\"As many as [[275|Q]] [[explosive devices|U]] have been [[removed|T]],\" the centre said. "
        "[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] of flour to [[Douma|P]] in [[Rif Dimashq governorate|P]].")
TYPES = {"cleared": "demining", "removed": "demining", "delivered": "aid_delivery"}


def _weights(link_threshold: float = 0.5, merge_threshold: float = 0.5) -> LinkerWeights:
    const = Mlp(np.zeros((1, 1), np.float32), np.zeros(1, np.float32), np.zeros((1, 1), np.float32), np.zeros(1, np.float32),
                np.zeros(1, np.float32), np.ones(1, np.float32))
    return LinkerWeights(LAYER.ontology.names, const, const, link_threshold, merge_threshold)


def _prepared(body: str, types: str | dict[str, str], reference_date: dt.date | None = None, states=None):
    """The context of an inline-annotated body: its T spans are triggers of ``types`` (one type, or a type per
    trigger word); ``states(text)`` gives (offsets, hidden) when the test needs encoder states."""
    text, spans = parse_body(body, CODES, "learned")
    ents = [Entity(a, b, lab, text[a:b], 0.9) for a, b, lab in spans if lab != "TRIGGER"]
    trigs = [TriggerSpan(a, b, types if isinstance(types, str) else types[text[a:b]], 0.9) for a, b, lab in spans if lab == "TRIGGER"]
    return prepare(text, ents, trigs, LAYER, reference_date, EncoderStates(*states(text)) if states else None)


def _ctx():
    return _prepared(TEXT, TYPES)


def _cand(ctx, text: str, nth: int = 0) -> int:
    return [j for j, c in enumerate(ctx.candidates) if c.text == text][nth]


def test_candidates_windows_and_admin():
    ctx = _ctx()
    assert [c.role for c in ctx.candidates].count("quantity") == 3  # each number with its unit
    assert ctx.candidates[_cand(ctx, "12")].quantity.unit == "tonnes"
    # "Douma in Rif Dimashq governorate": the parent comes from the admin rules
    assert ctx.admin_of[_cand(ctx, "Douma")] == _cand(ctx, "Rif Dimashq governorate")


FILLER = "The weather stayed dry. "


@pytest.mark.parametrize("case,body,far_in,far_out", [
    ("places and numbers only from the trigger's sentence and its neighbours; an actor from further off",
     TEXT, ["WFP"], ["Douma", "12"]),
    ("an actor the trigger's sentences name is not taken again from afar",
     "[[MAG|A]] teams [[cleared|T]] [[12|Q]] [[mines|U]]. " + FILLER * 3 + "[[MAG|A]] thanked donors.", ["MAG"], ["MAG#1"]),
    ("the operator of a site table, named sentences before its rows",
     "[[MAG|A]] reported on its sites. " + FILLER * 4 + "[[Zab|P]]: [[6|Q]] [[IEDs|U]] [[removed|T]].", ["MAG"], []),
    ("nothing beyond REACH_SENTENCES", "[[MAG|A]] reported. " + FILLER * (REACH_SENTENCES + 1) + "[[6|Q]] [[IEDs|U]] [[removed|T]].",
     [], ["MAG"]),
    ("at most REACH_ACTORS far actors, the nearest",
     "".join(f"[[Team {k}|A]] left. " for k in range(REACH_ACTORS + 2)) + FILLER * 2 + "[[6|Q]] [[IEDs|U]] [[removed|T]].",
     [f"Team {k}" for k in range(2, REACH_ACTORS + 2)], ["Team 0", "Team 1"]),
])
def test_window(case, body, far_in, far_out):
    ctx = _prepared(body, TYPES if body == TEXT else "demining")
    def cand(name: str) -> int:
        text, _, nth = name.partition("#")
        return _cand(ctx, text, int(nth or 0))
    got = window(ctx, 0)
    assert all(cand(x) in got for x in far_in) and not any(cand(x) in got for x in far_out), case


@pytest.mark.parametrize("case,scores,merges,expect", [
    ("a quantity goes to the trigger that scores it highest",
     {(0, "275"): 0.9, (2, "275"): 0.6}, {}, {0: {"275"}, 1: set(), 2: set()}),
    ("an actor may be shared",
     {(0, "Sappers"): 0.8, (2, "Sappers"): 0.7}, {}, {0: {"Sappers"}, 1: set(), 2: {"Sappers"}}),
    ("below the threshold nothing links",
     {(0, "Sappers"): 0.49, (0, "275"): 0.2}, {}, {0: set(), 1: set(), 2: set()}),
    ("mentions of one fact merge, and keep every argument",
     {(0, "Deir ez-Zor"): 0.9, (1, "275#1"): 0.8}, {(0, 1): 0.9}, {0: {"Deir ez-Zor", "275#1"}, 2: set()}),
    ("a weak restatement score keeps two events",
     {(0, "Deir ez-Zor"): 0.9}, {(0, 1): 0.3}, {0: {"Deir ez-Zor"}, 1: set(), 2: set()}),
])
def test_decode(case, scores, merges, expect):
    ctx = _ctx()

    def idx(name: str) -> int:
        text, _, nth = name.partition("#")
        return _cand(ctx, text, int(nth or 0))

    drafts = decode(ctx, {(i, idx(c)): p for (i, c), p in scores.items()}, merges, _weights())
    got = {d.mentions[0]: {ctx.candidates[j].text + ("#1" if j == _cand(ctx, "275", 1) else "") for j in d.args} for d in drafts}
    assert got == expect, case


def test_merged_restatement_counts_a_value_once_and_keeps_both_evidence_spans():
    ctx = _ctx()
    first, second = _cand(ctx, "275", 0), _cand(ctx, "275", 1)
    drafts = decode(ctx, {(0, first): 0.9, (1, second): 0.9, (0, _cand(ctx, "Deir ez-Zor")): 0.9}, {(0, 1): 0.9}, _weights())
    (ev, aid) = to_events(ctx, drafts, LAYER, _weights(), "v1")
    assert ev.type == "demining" and [q.value for q in ev.quantities] == [275] and len(ev.evidence) == 2
    assert aid.type == "aid_delivery" and aid.quantities == []


@pytest.mark.parametrize("case,given,kept", [
    ("fuller unit replaces the shorter", [(326, "families"), (326, "displaced families")], [(326, "displaced families")]),
    ("shorter unit after the fuller", [(108, "dangerous explosives"), (108, "explosives")], [(108, "dangerous explosives")]),
    ("plural and singular are one word", [(1, "mine"), (1, "anti-tank mines")], [(1, "anti-tank mines")]),
    ("units that differ both ways", [(5, "anti-tank mines"), (5, "anti-personnel mines")], [(5, "anti-tank mines"), (5, "anti-personnel mines")]),
    ("same unit is left to the key", [(5, "mines"), (5, "mines")], [(5, "mines"), (5, "mines")]),
    ("other value", [(326, "families"), (327, "displaced families")], [(326, "families"), (327, "displaced families")]),
    ("a bare number is not a restatement", [(326, None), (326, "families")], [(326, None), (326, "families")]),
    ("third mention", [(9, "trucks"), (4, "tonnes"), (9, "aid trucks")], [(9, "aid trucks"), (4, "tonnes")]),
])
def test_a_number_restated_with_more_words_in_its_unit_is_one_quantity(case, given, kept):
    qs = [Quantity(v, 10 * k, 10 * k + 3, str(v), unit=u, unit_lemma=u and unit_lemma(u)) for k, (v, u) in enumerate(given)]
    assert [(q.value, q.unit) for q in merge_restated_quantities(qs)] == kept, case


def test_an_event_keeps_one_quantity_for_a_number_its_mentions_restate():
    body = ("[[326|Q]] [[families|U]] [[return|T]] to [[Qatrun|P]]\n\n"
            "[[326|Q]] [[displaced families|U]] have [[returned|T]] to [[Qatrun|P]].")
    ctx = _prepared(body, "refugee_return")
    qs = [j for j, c in enumerate(ctx.candidates) if c.role == "quantity"]
    drafts = decode(ctx, {(0, qs[0]): 0.9, (1, qs[1]): 0.9}, {(0, 1): 0.9}, _weights())
    (ev,) = to_events(ctx, drafts, LAYER, _weights(), "v1")
    assert [(q.value, q.unit) for q in ev.quantities] == [(326, "displaced families")]


@pytest.mark.parametrize("floor,kept", [(0.0, ["demining", "aid_delivery"]), (0.5, ["demining"]), (0.9, [])])
def test_events_below_the_confidence_floor_are_dropped(floor, kept, tmp_path):
    ctx = _ctx()
    first, second = _cand(ctx, "275", 0), _cand(ctx, "275", 1)
    drafts = decode(ctx, {(0, first): 0.9, (1, second): 0.9}, {(0, 1): 0.9}, _weights())
    w = _weights()
    w.min_confidence = floor  # confidences (identity calibration): 0.9 x 0.9 with its links, 0.9 x 0.5 without
    w.to_disk(tmp_path)
    assert [e.type for e in to_events(ctx, drafts, LAYER, LinkerWeights.from_disk(tmp_path), "v1")] == kept
    feats: list = []  # the confidence model's rows stay one per event returned
    assert len(to_events(ctx, drafts, LAYER, w, "v1", feats)) == len(feats)


def test_types_never_merge():
    ctx = _ctx()
    drafts = decode(ctx, {}, {(0, 2): 0.99}, _weights())
    assert len(drafts) == 3


def test_features_have_fixed_width_and_use_span_vectors():
    ctx = _ctx()
    x = pair_matrix(ctx, [(0, 0), (2, 1)], LAYER, LAYER.ontology.names)
    assert x.shape == (2, N_HAND + 3 * len(LAYER.ontology.names))
    hidden = np.arange(40 * 4, dtype=np.float32).reshape(40, 4)
    offsets = np.stack([np.arange(40) * 5, np.arange(40) * 5 + 4], axis=1)
    vec = span_vectors([(0, 9), (500, 600)], offsets, hidden)
    assert np.allclose(vec[0], hidden[:2].mean(axis=0)) and not vec[1].any()
    assert merge_features(ctx, 0, 1).shape == (N_MERGE,)


def test_weights_round_trip_and_damage(tmp_path):
    w = _weights(0.4, 0.7)
    w.calibration_x, w.calibration_y = np.array([0.0, 0.5, 1.0]), np.array([0.1, 0.6, 0.9])
    w.to_disk(tmp_path)
    assert LinkerWeights.from_disk(tmp_path).rescue_threshold is None
    w.span_floors, w.rescue_threshold = {"ACTOR": 0.85}, 0.25
    w.to_disk(tmp_path)
    back = LinkerWeights.from_disk(tmp_path)
    assert (back.link_threshold, back.merge_threshold) == (0.4, 0.7) and back.calibrate(0.25) == pytest.approx(0.35)
    assert back.span_floors == {"ACTOR": 0.85} and back.rescue_threshold == 0.25
    (tmp_path / "event_layer.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelCorruptError, match="E102"):
        LinkerWeights.from_disk(tmp_path)
    (tmp_path / "event_layer.npz").unlink()
    with pytest.raises(ModelCorruptError, match="half an event layer"):
        LinkerWeights.present(tmp_path)


@pytest.mark.parametrize("case,body,links,events", [
    ("two verbs of one operation in one sentence are one event",
     "[[Sappers|A]] [[removed|T]] [[1,412|Q]] [[explosive hazards|U]] and [[cleared|T]] [[26,700|Q]] [[square metres|U]].",
     {0: ["Sappers", "1,412"], 1: ["Sappers", "26,700"]}, 1),
    ("same type, same sentence, other places: two events",
     "[[Sappers|A]] [[cleared|T]] [[5|Q]] [[mines|U]] in [[Kafr Nabl|P]] and [[removed|T]] [[7|Q]] [[shells|U]] in [[Hish|P]].",
     {0: ["5", "Kafr Nabl"], 1: ["7", "Hish"]}, 2),
    ("a quantity restated in another sentence (the quote) is the same fact",
     "[[Sappers|A]] [[cleared|T]] [[275|Q]] [[devices|U]]. \"As many as [[275|Q]] [[devices|U]] were [[removed|T]],\" it said.",
     {0: ["Sappers", "275"], 1: ["275"]}, 1),
    ("same type, other sentences: the merge network decides, not this rule",
     "[[Sappers|A]] [[cleared|T]] [[5|Q]] [[mines|U]]. [[Deminers|A]] [[removed|T]] [[7|Q]] [[shells|U]].",
     {0: ["5"], 1: ["7"]}, 2),
])
def test_join_operations(case, body, links, events):
    ctx = _prepared(body, "demining")
    n = len(ctx.triggers)  # each trigger links the named values of its own sentence
    scores = {(i, j): 0.9 for i, names in links.items() for j, c in enumerate(ctx.candidates)
              if c.text in names and ctx.sentence_of[n + j] == ctx.sentence_of[i]}
    assert len(decode(ctx, scores, {}, _weights())) == events, case


@pytest.mark.parametrize("case,body,vetoed", [
    ("other numbers and other places: two facts, whatever the network says",
     "[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. A convoy of [[36|Q]] [[trucks|U]] [[delivered|T]] aid to [[Talbiseh|P]].", True),
    ("a restated number: the network decides",
     "[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. \"[[12|Q]] [[tonnes|U]] [[reached|T]] [[Harasta|P]],\" it said.", False),
    ("other numbers, same place: the network decides",
     "[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. Its [[36|Q]] [[trucks|U]] [[reached|T]] [[Douma|P]].", False),
    ("a later sentence that says it is another fact",
     "[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. It also [[delivered|T]] blankets to [[Douma|P]].", True),
    ("the same words in the first sentence announce nothing about the second",
     "[[WFP|A]] also [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. The aid [[reached|T]] [[Douma|P]] by noon.", False),
])
def test_merge_veto(case, body, vetoed):
    ctx = _prepared(body, "aid_delivery")
    sure = Mlp(np.zeros((N_MERGE, 1), np.float32), np.zeros(1, np.float32), np.zeros((1, 1), np.float32), np.full(1, 5.0, np.float32),
               np.zeros(N_MERGE, np.float32), np.ones(N_MERGE, np.float32))
    w = _weights()
    w.merge = sure
    assert (merge_scores(ctx, w)[(0, 1)] == 0.0) == vetoed, case


@pytest.mark.parametrize("case,body,links,merges,places", [
    ("a place named only in the neighbouring sentence does not carry over",
     "[[Sappers|A]] [[cleared|T]] [[5|Q]] [[mines|U]] in [[Hish|P]]. [[Deminers|A]] [[removed|T]] [[7|Q]] [[shells|U]].",
     {(0, "Hish", 0): 0.9, (1, "Hish", 0): 0.9}, {}, [["Hish"], []]),
    ("the same name in the event's own sentence keeps it, whichever mention the linker picked",
     "[[Sappers|A]] [[cleared|T]] [[5|Q]] [[mines|U]] in [[Hish|P]]. More [[shells|U]] were [[removed|T]] in [[Hish|P]].",
     {(0, "Hish", 0): 0.9, (1, "Hish", 0): 0.9}, {}, [["Hish"], ["Hish"]]),
    ("a restatement's sentence counts as the event's own",
     "[[Sappers|A]] [[cleared|T]] [[275|Q]] [[devices|U]]. \"They were [[removed|T]] in [[Hish|P]],\" it said.",
     {(0, "Hish", 0): 0.9}, {(0, 1): 0.9}, [["Hish"]]),
    # a place listed with a linked one is linked too ...
    ("the later names of a list",
     "[[Sappers|A]] [[cleared|T]] roads in [[Nihm|P]], [[Majzar|P]] and [[Sirwah|P]].",
     {(0, "Nihm", 0): 0.9}, {}, [["Majzar", "Nihm", "Sirwah"]]),
    ("an earlier name of a list", "[[Sappers|A]] [[cleared|T]] the road between [[Doboj|P]] and [[Zepce|P]].",
     {(0, "Zepce", 0): 0.9}, {}, [["Doboj", "Zepce"]]),
    # ... but not a name beside it after a comma alone, nor the parent of a list
    ("a place and its parent", "[[Medics|A]] [[reopened|T]] a clinic in [[Yarmouk camp|P]], [[Damascus|P]].",
     {(0, "Yarmouk camp", 0): 0.9}, {}, [["Yarmouk camp"]]),
    ("the parent of a list", "[[Sappers|A]] [[cleared|T]] [[Hish|P]] and [[Kafr Nabudah|P]] in [[Hama province|P]].",
     {(0, "Hish", 0): 0.9}, {}, [["Hish", "Kafr Nabudah"]]),
    ("a parent inside a list", "[[Sappers|A]] [[cleared|T]] mines in [[Talbiseh|P]], [[Homs province|P]], and [[Hama|P]].",
     {(0, "Talbiseh", 0): 0.9}, {}, [["Hama", "Talbiseh"]]),
])
def test_places_stay_in_their_sentences(case, body, links, merges, places):
    ctx = _prepared(body, "demining")
    scores = {(i, _cand(ctx, name, nth)): p for (i, name, nth), p in links.items()}
    drafts = decode(ctx, scores, merges, _weights())
    assert [sorted(ctx.candidates[j].text for j in d.args if ctx.candidates[j].role == "place") for d in drafts] == places, case


@pytest.mark.parametrize("place,candidate", [
    ("Deir ez-Zor", True),
    ("Syrian Arab Republic", True),
    ("the Syrian city", False),  # "the Syrian city of Deir ez-Zor": only the name is a place
    ("province", False),
    ("Syrian", False),  # a bare nationality adjective the tagger marked names no place
    ("Yemeni", False),
])
def test_generic_place_phrases_are_no_candidates(place, candidate):
    text = f"Sappers cleared mines in {place}."
    start = text.index(place)
    ctx = prepare(text, [Entity(start, start + len(place), "PLACE", place, 0.9)], [TriggerSpan(8, 15, "demining", 0.9)], LAYER, None)
    assert any(c.text == place for c in ctx.candidates) is candidate


@pytest.mark.parametrize("case,body,date", [
    ("a restated fact takes the day a later mention states (the headline gives none)",
     "[[Convoy|T]] reaches [[Douma|P]]\n\nGENEVA, 14 December - The [[convoy|T]] reached [[Douma|P]] on Tuesday.", "2016-12-13"),
    ("without a stated day the dateline dates it",
     "[[Convoy|T]] reaches [[Douma|P]]\n\nGENEVA, 14 December - The [[convoy|T]] reached [[Douma|P]].", "2016-12-14"),
])
def test_a_restated_fact_takes_the_day_its_mentions_state(case, body, date):
    ctx = _prepared(body, "aid_delivery", dt.date(2016, 12, 14))
    (ev,) = to_events(ctx, decode(ctx, {}, {(0, 1): 0.9}, _weights()), LAYER, _weights(), "v1")
    assert ev.date == date, case


@pytest.mark.parametrize("case,links,merged", [
    ("mentions linked to other numbers are two facts, however sure the merge network is",
     {(0, "12"): 0.9, (1, "36"): 0.9}, False),
    ("mentions linked to other doers are two facts",
     {(0, "WFP"): 0.9, (1, "UNICEF"): 0.9}, False),
    ("the same number restated: one fact",
     {(0, "12"): 0.9, (1, "12", 1): 0.9}, True),
    ("a mention that states no number of its own joins the one that does",
     {(0, "12"): 0.9, (1, "UNICEF"): 0.1}, True),
    ("a number restated without its unit is the same number (a headline's \"kills five\")",
     {(0, "12"): 0.9, (1, "12", 2): 0.9}, True),
])
def test_linked_values_that_differ_keep_mentions_apart(case, links, merged):
    body = ("[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. "
            "[[UNICEF|A]] [[brought|T]] [[36|Q]] [[trucks|U]] and [[12|Q]] [[tonnes|U]]; the total was [[12|Q]].")
    ctx = _prepared(body, "aid_delivery")
    scores = {(i, _cand(ctx, name, nth[0] if nth else 0)): p for (i, name, *nth), p in links.items()}
    assert (len(decode(ctx, scores, {(0, 1): 0.95}, _weights())) == 1) == merged, case


@pytest.mark.parametrize("case,body,actor,feature,value", [
    # positions past the fixed features of hand_features: nearer same-role rivals on this side, on both sides
    ("the actor next to the verb has no nearer rival", "[[UNHCR|A]] and [[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]].", "WFP", -11, 0.0),
    ("the one before it has one", "[[UNHCR|A]] and [[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]].", "UNHCR", -11, 1 / 3),
    ("a possessive before the verb refers it to the actor named earlier",
     "The [[command|A]] said on Monday that its engineering teams [[dismantled|T]] [[97|Q]] [[devices|U]].", "command", -9, 1.0),
    ("without one, no such cue", "The [[command|A]] said on Monday that engineers [[dismantled|T]] [[97|Q]] [[devices|U]].", "command", -9, 0.0),
    ("an agent after 'operated by' or 'working for'",
     "Drones operated by the [[army|A]] [[struck|T]] a hospital, wounding [[3|Q]] [[paramedics|U]].", "army", -8, 1.0),
    ("a plain subject is no such agent", "The [[army|A]] [[struck|T]] a hospital, wounding [[3|Q]] [[paramedics|U]].", "army", -8, 0.0),
    # a far actor (window): flagged, with its distance in sentences; how much the report is about it
    ("an actor in the trigger's sentence is not far", "The [[army|A]] [[struck|T]] a hospital.", "army", -7, 0.0),
    ("an actor four sentences before is", "[[MAG|A]] reported. " + FILLER * 3 + "[[6|Q]] [[IEDs|U]] [[removed|T]].", "MAG", -7, 1.0),
    ("and says how far", "[[MAG|A]] reported. " + FILLER * 3 + "[[6|Q]] [[IEDs|U]] [[removed|T]].", "MAG", -6, 0.4),
    ("an actor named twice", "[[MAG|A]] said [[MAG|A]] teams [[removed|T]] [[6|Q]] [[IEDs|U]].", "MAG", -5, 0.4),
    ("the report's only actor", "The [[army|A]] [[struck|T]] a hospital.", "army", -4, 1.0),
    ("one of two", "[[UNHCR|A]] and [[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]].", "WFP", -4, 0.0),
    # the last: a subject that refers back hands the trigger to an actor named before its sentence (GUIDELINES 4.2)
    ("'They also' refers back", "[[DDG|A]] cleared land. They also [[removed|T]] [[3|Q]] [[IEDs|U]].", "DDG", -1, 1.0),
    ("'the teams then' refers back", "[[DDG|A]] cleared land. The teams then [[removed|T]] [[3|Q]] [[IEDs|U]].", "DDG", -1, 1.0),
    ("a subject of its own does not", "[[DDG|A]] cleared land. [[MAG|A]] also [[removed|T]] [[3|Q]] [[IEDs|U]].", "DDG", -1, 0.0),
    ("nor an actor after the trigger", "They also [[removed|T]] [[3|Q]] [[IEDs|U]]. [[DDG|A]] said so.", "DDG", -1, 0.0),
])
def test_actor_pair_features(case, body, actor, feature, value):
    ctx = _prepared(body, "aid_delivery")
    x = pair_matrix(ctx, [(0, _cand(ctx, actor))], LAYER, LAYER.ontology.names)
    assert x[0, :N_HAND][feature] == pytest.approx(value), case


def test_pair_rows_carry_the_words_between_trigger_and_candidate():
    def states(text: str) -> tuple[np.ndarray, np.ndarray]:  # one "token" per character, none for spaces
        offsets = np.stack([np.arange(len(text)), np.arange(len(text)) + np.array([ch != " " for ch in text])], axis=1)
        return offsets, np.arange(len(text) * 2, dtype=np.float32).reshape(len(text), 2)

    ctx = _prepared("[[WFP|A]] said its teams [[delivered|T]] [[12|Q]] [[tonnes|U]].", "aid_delivery", states=states)
    text, hidden = ctx.doc.text, ctx.encoded.hidden
    wfp, twelve = _cand(ctx, "WFP"), _cand(ctx, "12")
    x = pair_matrix(ctx, [(0, wfp), (0, twelve)], LAYER, LAYER.ontology.names)
    gap = text.index(" said"), text.index("delivered")
    inside = [k for k in range(*gap) if text[k] != " "]
    assert np.allclose(x[0, -2:], hidden[inside].mean(axis=0))  # "said its teams"
    assert not x[1, -2:].any()  # "delivered 12": nothing between


@pytest.mark.parametrize("case,body,alike", [
    ("a headline and the lead that restates it: the encoder reads them alike",
     "Sappers [[cleared|T]] mines\n\nSappers [[cleared|T]] mines.", (1.0, 1.0)),
    ("two facts in other words", "Sappers [[cleared|T]] mines\n\nTeams of NPA [[removed|T]] shells near Doboj.", (0.0, 0.0)),
])
def test_merge_features_read_how_alike_the_encoder_sees_two_mentions(case, body, alike):
    def states(text: str) -> tuple[np.ndarray, np.ndarray]:  # a token per word; a word's vector is its own one-hot
        words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
        vocab = {w: k for k, w in enumerate(sorted({text[a:b].lower() for a, b in words}))}
        hidden = np.zeros((len(words), len(vocab)), dtype=np.float32)
        for k, (a, b) in enumerate(words):
            hidden[k, vocab[text[a:b].lower()]] = 1.0
        return np.asarray(words), hidden

    f = merge_features(_prepared(body, "demining", states=states), 0, 1)
    assert len(f) == N_MERGE
    assert tuple(np.round(f[-2:], 2)) == alike, case
    assert not merge_features(_prepared(body, "demining"), 0, 1)[-2:].any()  # no encoder states: no similarity


@pytest.mark.parametrize("case,scores,misses", [
    ("a value the mention scored just below its threshold, taken by no event", {(2, "Douma"): 0.28}, [0.0, 0.28, 0.0]),
    ("a value another event took is no near miss", {(2, "Deir ez-Zor"): 0.4, (0, "Deir ez-Zor"): 0.9}, [0.0, 0.0, 0.0]),
    ("nothing scored, nothing missed", {}, [0.0, 0.0, 0.0]),
])
def test_near_misses_of_an_event(case, scores, misses):
    ctx = _ctx()
    s = {(i, _cand(ctx, name)): p for (i, name), p in scores.items()}
    drafts = decode(ctx, s, {}, _weights())
    aid = next(d for d in drafts if d.mentions == [2])
    assert near_misses(ctx, aid, s, {j for d in drafts for j in d.args}) == pytest.approx(misses), case


@pytest.mark.parametrize("case,merges,threshold,unmerged", [
    ("a merge the network half-believed and decoding left apart", {(0, 1): 0.25}, 0.3, [0.25, 0.25]),
    ("the likeliest of several", {(0, 1): 0.1, (0, 2): 0.2}, 0.3, [0.2, 0.1, 0.2]),
    ("mentions merged into one event are no near miss", {(0, 1): 0.9}, 0.3, [0.0]),
    ("no merge scored", {}, 0.3, [0.0, 0.0]),
])
def test_events_know_how_nearly_they_were_merged(case, merges, threshold, unmerged):
    from sitrep_ie.events.learned.assembly import Peers

    body = "Sappers [[cleared|T]] mines.\n\nTeams [[removed|T]] shells." + ("\n\nThey [[defused|T]] bombs." if len(unmerged) == 3 else "")
    ctx = _prepared(body, "demining")
    drafts = decode(ctx, {}, merges, _weights(merge_threshold=threshold))
    peers = Peers(ctx, drafts, merges)
    assert [peers.unmerged.get(id(d), 0.0) for d in drafts] == pytest.approx(unmerged), case


def test_subnormal_weights_are_flushed_to_zero():
    # the L2 penalty leaves weights on float32 subnormals, which the CPU multiplies many times slower
    tiny = np.float32(1e-40)
    net = Mlp(np.array([[tiny, 1.0]], np.float32), np.array([tiny, 0.0], np.float32), np.array([[1.0], [tiny]], np.float32),
              np.zeros(1, np.float32), np.array([tiny], np.float32), np.ones(1, np.float32))
    for a in (net.w1, net.b1, net.w2, net.mean):
        assert not ((a != 0) & (np.abs(a) < np.finfo(np.float32).tiny)).any()
    assert net.w1[0, 1] == 1.0 and net(np.ones((1, 1), np.float32)).shape == (1,)


@pytest.mark.parametrize("order", [lambda keys: keys, lambda keys: keys[::-1]])
def test_twin_count_does_not_follow_the_order_of_a_set(order, monkeypatch):
    # a draft holds two values: one shared by 17 drafts of its type, one by 40; the count stops past
    # MERGE_REACH, so the key read first decided it (a set's order follows PYTHONHASHSEED: other processes,
    # other Ray workers, other confidences)
    from types import SimpleNamespace

    from sitrep_ie.events.learned import assembly
    from sitrep_ie.events.learned.decoding import Draft

    keys = [("quantity", "12"), ("quantity", "40")]
    drafts = [Draft([0])] + [Draft([0]) for _ in range(57)]
    held = {id(drafts[0]): keys, **{id(d): [keys[0]] for d in drafts[1:18]}, **{id(d): [keys[1]] for d in drafts[18:]}}
    monkeypatch.setattr(assembly, "arg_keys", lambda ctx, d, role=None: order(list(held[id(d)])))
    ctx = SimpleNamespace(triggers=[TriggerSpan(0, 5, "demining", 0.9)], sentence_of=[0])
    assert assembly.Peers(ctx, drafts).twins(drafts[0]) == (57, 17)  # the keys in sorted order, whatever order they came in


def test_members_fitted_on_every_core_are_the_networks_fitted_one_by_one():
    # each member keeps its own seed: fitting them in worker processes, the members of two heads in one call,
    # changes nothing but the time
    from threadpoolctl import threadpool_limits

    from sitrep_ie.events.fit import _fit_multiclass, fit_mlp, member_jobs, run_jobs

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5)).astype(np.float32)
    y = (x[:, 0] + 0.5 * rng.normal(size=300) > 0).astype(np.float32)
    classes = (x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    together = run_jobs(member_jobs(_fit_multiclass, 2, x, classes, 4, seed=3, mean=mean, scale=scale) + member_jobs(fit_mlp, 3, x, y, 4, seed=7))
    with threadpool_limits(1, "blas"):
        alone = [_fit_multiclass(x, classes, 4, 3 + m, mean=mean, scale=scale) for m in range(2)] + [fit_mlp(x, y, 4, 7 + m) for m in range(3)]
    assert len(together) == 5
    assert [a.w2.shape[1] for a in together] == [3, 3, 1, 1, 1]  # in the order of the jobs
    for a, b in zip(together, alone):
        assert np.array_equal(a.w1, b.w1) and np.array_equal(a.w2, b.w2)
    assert not np.array_equal(together[2].w1, together[3].w1)


@pytest.mark.parametrize("body, shared, other", [
    # a headline words the unit its own way: the number is still the one the lead gives
    ("[[Houthi|A]] shelling [[kills|T]] [[29|Q]] [[civilians|U]]\n\n[[29|Q]] [[people|U]] were [[killed|T]] in [[Taiz|P]].", 1.0, 0.0),
    ("[[Houthi|A]] shelling [[kills|T]] [[29|Q]] [[civilians|U]]\n\n[[31|Q]] [[people|U]] were [[killed|T]] in [[Taiz|P]].", 0.0, 1.0),
])
def test_merge_features_compare_numbers_by_value(body, shared, other):
    from sitrep_ie.events.learned.features import OTHER_NUMBERS

    f = merge_features(_prepared(body, "casualties"), 0, 1)
    shared_numbers = OTHER_NUMBERS - 1  # the feature before "other numbers": the two sentences share a number
    assert (f[shared_numbers], f[OTHER_NUMBERS]) == (shared, other)


@pytest.mark.parametrize("case,body,links,merges,kept", [
    ("a trigger after a modal is a plan, and its numbers go with it",
     "[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. It will [[deliver|T]] [[40|Q]] [[tonnes|U]] next week.",
     {(0, "12"): 0.9, (1, "40"): 0.9, (0, "40"): 0.6}, {}, [["12"]]),
    ("plan phrases with words between the cue and the trigger",
     "[[WFP|A]] plans to jointly [[deliver|T]] [[40|Q]] [[tonnes|U]]. The [[UN|A]] is expected to gradually [[deliver|T]] "
     "[[9|Q]] [[trucks|U]]. The planned [[delivery|T]] of [[3|Q]] [[trucks|U]] is on hold.",
     {(0, "40"): 0.9, (1, "9"): 0.9, (2, "3"): 0.9}, {}, []),
    ("a scheduled action is a plan", "Officials scheduled [[resettlement|T]] of [[40|Q]] [[families|U]] to [[Mardes|P]].",
     {(0, "40"): 0.9}, {}, []),
    ("a cue in the previous sentence or far before the trigger does not reach it",
     "Aid will follow. [[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]].",
     {(0, "12"): 0.9}, {}, [["12"]]),
    ("a word ending like a cue is no cue",
     "Goodwill [[deliveries|T]] of [[12|Q]] [[tonnes|U]] reached [[Douma|P]].",
     {(0, "12"): 0.9}, {}, [["12"]]),
    ("a plan restating a real delivery keeps the event",
     "[[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] to [[Douma|P]]. It said it would [[deliver|T]] [[12|Q]] [[tonnes|U]] again.",
     {(0, "12"): 0.9}, {(0, 1): 0.9}, [["12"]]),
])
def test_plans_make_no_event(case, body, links, merges, kept):
    ctx = _prepared(body, "aid_delivery")
    scores = {(i, _cand(ctx, name)): p for (i, name), p in links.items()}
    events = to_events(ctx, decode(ctx, scores, merges, _weights()), LAYER, _weights(), "v1")
    assert [[q.text for q in e.quantities] for e in events] == kept, case


@pytest.mark.parametrize("case,body,merges,kept", [
    ("a series title's topic is no event; the body's is",
     "Somalia: [[Clashes|T]] in [[Sanaag|P]] - Flash Update No. 1\n\nMilitias [[clashed|T]] near [[Dhahar|P]].", {}, [["Dhahar"]]),
    ("a source list in brackets marks a title line too",
     "ECHO Daily Flash of 20 November 2024\n\nSyria - [[Clashes|T]] in [[Daraa|P]] (DG ECHO, OCHA, SARC)\n"
     "Armed groups [[clashed|T]] in [[Sanamayn|P]].", {}, [["Sanamayn"]]),
    ("a title merged with the body's fact keeps the event",
     "Somalia: [[Clashes|T]] in [[Sanaag|P]] - Flash Update No. 1\n\nMilitias [[clashed|T]] near [[Dhahar|P]].", {(0, 1): 0.9},
     [["Sanaag", "Dhahar"]]),
    ("a headline of no series is an event",
     "[[Clashes|T]] in [[Sanaag|P]]\n\nMilitias [[clashed|T]] near [[Dhahar|P]].", {}, [["Sanaag"], ["Dhahar"]]),
    ("a sentence that names a series is no title",
     "Militias [[clashed|T]] in [[Sanaag|P]], the latest Flash Update said.\n\nOthers [[clashed|T]] near [[Dhahar|P]].", {},
     [["Sanaag"], ["Dhahar"]]),
])
def test_series_titles_make_no_event(case, body, merges, kept):
    ctx = _prepared(body, "ceasefire_violation")
    n = len(ctx.triggers)
    scores = {(i, j): 0.9 for i in range(n) for j, c in enumerate(ctx.candidates) if ctx.sentence_of[n + j] == ctx.sentence_of[i]}
    events = to_events(ctx, decode(ctx, scores, merges, _weights()), LAYER, _weights(), "v1")
    assert [[p.name for p in e.places] for e in events] == kept, case


@pytest.mark.parametrize("case,body,merges,evidence", [
    ("two verbs of one fact in one sentence: one evidence span",
     "[[Sappers|A]] [[discovered|T]], seized and [[defused|T]] [[178|Q]] [[devices|U]].", {}, 1),
    ("a restatement in another sentence: one span per sentence",
     "[[Sappers|A]] [[cleared|T]] [[275|Q]] [[devices|U]]. \"They [[removed|T]] and [[destroyed|T]] [[275|Q]] [[devices|U]],\" it said.",
     {(0, 1): 0.9, (0, 2): 0.9}, 2),
])
def test_evidence_has_one_span_per_sentence(case, body, merges, evidence):
    ctx = _prepared(body, "demining")
    n = len(ctx.triggers)
    scores = {(i, j): 0.9 for i in range(n) for j, c in enumerate(ctx.candidates) if ctx.sentence_of[n + j] == ctx.sentence_of[i]}
    (event,) = to_events(ctx, decode(ctx, scores, merges, _weights()), LAYER, _weights(), "v1")
    assert len(event.evidence) == evidence and len({(m.start, m.end) for m in event.evidence}) == evidence, case


@pytest.mark.parametrize("floors,kept", [
    ({}, ["Sappers", "the village", "Homs"]),
    ({"ACTOR": 0.85}, ["Sappers", "Homs"]),  # an unsure ACTOR span is no candidate
    ({"ACTOR": 0.85, "PLACE": 0.95}, ["Sappers"]),
    ({"ACTOR": 0.95}, ["Sappers", "Homs"]),  # the floor is the least score kept
    ({"ACTOR": 0.96}, ["Homs"]),
])
def test_spans_below_their_label_floor_are_no_candidates(floors, kept):
    w = _weights()
    w.span_floors = floors
    ents = [Entity(0, 7, "ACTOR", "Sappers", 0.95), Entity(20, 31, "ACTOR", "the village", 0.7), Entity(35, 39, "PLACE", "Homs", 0.9)]
    assert [e.text for e in w.credible(ents)] == kept


@pytest.mark.parametrize("body,actors", [
    ("[[STEPANAKERT|P]], SEPTEMBER 30, [[ARTSAKHPRESS|A]]: [[Russian sappers|A]] [[cleared|T]] [[12|Q]] [[mines|U]].", ["Russian sappers"]),
    ("[[ADEN|P]], Jan 12 ([[Xinhua|A]]) -- [[WFP|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] of flour.", ["WFP"]),
    # an organisation named in the first sentence after a plain dateline stays a candidate
    ("[[KHARKIV|P]], 3 May - [[UNICEF|A]] [[delivered|T]] [[12|Q]] [[tonnes|U]] of flour.", ["UNICEF"]),
])
def test_the_agency_of_a_dateline_is_no_actor(body, actors):
    ctx = _prepared(body, "demining", dt.date(2021, 10, 2))
    assert [c.text for c in ctx.candidates if c.role == "actor"] == actors


@pytest.mark.parametrize("label,text,kept", [
    ("PLACE", "1", False),  # "Aleppo (1)": a count by province, tagged as a place
    ("ACTOR", "(3)", False),
    ("PLACE", "T4", True),  # letters with digits are a name
    ("QUANTITY", "1", True),
    ("UNIT", "m2", True),
])
def test_names_without_a_letter_are_no_candidates(label, text, kept):
    assert bool(_weights().credible([Entity(0, len(text), label, text, 0.99)])) == kept


ATTACK = {"shelled": "ceasefire_violation", "killed": "casualties"}


@pytest.mark.parametrize("case,body,links,places,date", [
    ("the dead of an attack stated just before take its places and day",
     "Militants [[shelled|T]] [[Horlivka|P]] on Monday. [[Two|Q]] [[civilians|U]] were [[killed|T]].",
     {(0, "Horlivka"): 0.9, (1, "Two"): 0.9}, ["Horlivka"], "2023-03-06"),
    ("in one sentence, whichever comes first",
     "[[Two|Q]] [[civilians|U]] were [[killed|T]] when militants [[shelled|T]] [[Horlivka|P]] on Monday.",
     {(1, "Horlivka"): 0.9, (0, "Two"): 0.9}, ["Horlivka"], "2023-03-06"),
    ("places and a day of their own stay",
     "Militants [[shelled|T]] [[Horlivka|P]] on Monday. [[Two|Q]] [[civilians|U]] were [[killed|T]] in [[Donetsk|P]] on Tuesday.",
     {(0, "Horlivka"): 0.9, (1, "Two"): 0.9, (1, "Donetsk"): 0.9}, ["Donetsk"], "2023-03-07"),
    ("the next bullet of a list is the same paragraph",
     "• Militants [[shelled|T]] [[Horlivka|P]] on Monday.\n• The shelling [[killed|T]] [[two|Q]] [[civilians|U]].",
     {(0, "Horlivka"): 0.9, (1, "two"): 0.9}, ["Horlivka"], "2023-03-06"),
    ("a new paragraph is a new entry",
     "Militants [[shelled|T]] [[Horlivka|P]] on Monday.\n\n[[Two|Q]] [[civilians|U]] were [[killed|T]].",
     {(0, "Horlivka"): 0.9, (1, "Two"): 0.9}, [], None),
    ("the dead counted since an attack are of the report's day",
     "[[144|Q]] people have been [[killed|T]] since militants [[shelled|T]] [[Horlivka|P]] on Monday.",
     {(1, "Horlivka"): 0.9, (0, "144"): 0.9}, ["Horlivka"], "2023-03-08"),
    ("a running total after the attack's sentence is of the report's day too",
     "Militants [[shelled|T]] [[Horlivka|P]] on Monday. A total of [[40|Q]] [[civilians|U]] have been [[killed|T]] this year.",
     {(0, "Horlivka"): 0.9, (1, "40"): 0.9}, ["Horlivka"], "2023-03-08"),
    ("a period of their own stays",
     "Militants [[shelled|T]] [[Horlivka|P]] on Monday. [[Two|Q]] [[civilians|U]] were [[killed|T]] between 4 and 7 March.",
     {(0, "Horlivka"): 0.9, (1, "Two"): 0.9}, ["Horlivka"], None),
    ("two sentences back is too far",
     "Militants [[shelled|T]] [[Horlivka|P]] on Monday. Schools closed. [[Two|Q]] [[civilians|U]] were [[killed|T]].",
     {(0, "Horlivka"): 0.9, (1, "Two"): 0.9}, [], None),
])
def test_outcomes_take_the_date_and_places_of_their_attack(case, body, links, places, date):
    ctx = _prepared(body, ATTACK, dt.date(2023, 3, 8))
    scores = {(i, _cand(ctx, name)): p for (i, name), p in links.items()}
    (dead,) = [e for e in to_events(ctx, decode(ctx, scores, {}, _weights()), LAYER, _weights(), "v1") if e.type == "casualties"]
    assert ([p.name for p in dead.places], dead.date) == (places, date), case


@pytest.mark.parametrize("case,body,links,attackers,dead_actors", [
    ("the attacker linked to the attack alone is the dead's actor too",
     "[[Militants|A]] [[shelled|T]] [[Horlivka|P]], and [[two|Q]] [[civilians|U]] were [[killed|T]].",
     {(0, "Militants"): 0.9, (1, "two"): 0.9}, ["Militants"], ["Militants"]),
    ("the attacker linked to the dead alone is the attack's actor too",
     "[[Two|Q]] [[civilians|U]] were [[killed|T]] when [[militants|A]] [[shelled|T]] [[Horlivka|P]].",
     {(0, "Two"): 0.9, (0, "militants"): 0.9, (1, "Horlivka"): 0.9}, ["militants"], ["militants"]),
    ("the dead of the next sentence take no actor",
     "[[Militants|A]] [[shelled|T]] [[Horlivka|P]] on Monday. [[Two|Q]] [[civilians|U]] were [[killed|T]].",
     {(0, "Militants"): 0.9, (1, "Two"): 0.9}, ["Militants"], []),
    ("actors of their own stay apart",
     "[[Militants|A]] [[shelled|T]] [[Horlivka|P]], and [[two|Q]] [[soldiers|U]] of the [[army|A]] were [[killed|T]].",
     {(0, "Militants"): 0.9, (1, "two"): 0.9, (1, "army"): 0.9}, ["Militants"], ["army"]),
])
def test_an_attack_and_its_dead_in_one_sentence_share_the_attacker(case, body, links, attackers, dead_actors):
    ctx = _prepared(body, ATTACK, dt.date(2023, 3, 8))
    scores = {(i, _cand(ctx, name)): p for (i, name), p in links.items()}
    events = {e.type: e for e in to_events(ctx, decode(ctx, scores, {}, _weights()), LAYER, _weights(), "v1")}
    assert ([a.text for a in events["ceasefire_violation"].actors], [a.text for a in events["casualties"].actors]) == (attackers, dead_actors), case

TABLE = ("In January, [[4,960|Q]] [[IDPs|U]] [[returned|T]] to [[Galmudug|P]].{between}\n\n"
         "District      Returnees     Shelter kits\n"
         "[[Ceel Dheer|P]]    [[2,140|Q]]         [[300|Q]]\n"
         "[[Wabxo|P]]         [[415|Q]]           [[90|Q]]\n\n"
         "Roads stayed open.")


@pytest.mark.parametrize("case,between,in_window", [
    ("a table right after the trigger's sentence is read with it", "", True),
    ("and after two more sentences", " Returns by district:\nSee below.", True),
    ("not a table further off", " Returns by district:\nSee below.\nAnd here.", False),
])
def test_a_table_after_the_trigger_joins_its_window(case, between, in_window):
    ctx = _prepared(TABLE.format(between=between), "refugee_return")
    rows = {_cand(ctx, name) for name in ("Ceel Dheer", "2,140", "Wabxo", "415")}
    assert (rows <= set(window(ctx, 0))) == in_window, case


def test_a_trigger_inside_a_table_does_not_take_the_next_table():
    body = "Item      Result\n[[Aid|T]]       [[5|Q]] [[trucks|U]]\nGoods     [[7|Q]] [[tonnes|U]]\n\nA      B\n[[Homs|P]]   [[9|Q]]\n[[Hama|P]]   [[4|Q]]"
    ctx = _prepared(body, "aid_delivery")
    assert _cand(ctx, "Homs") not in window(ctx, 0)


@pytest.mark.parametrize("case,cand,feature,value", [
    # hand features: a row of the table that follows, a column headed by a noun of the trigger's type
    ("a row of the following table", "2,140", -3, 1.0),
    ("a candidate of the trigger's own sentence is none", "4,960", -3, 0.0),
    ("a column headed by the type's noun", "2,140", -2, 1.0),
    ("a column headed by another type's noun", "300", -2, 0.0),
])
def test_table_pair_features(case, cand, feature, value):
    ctx = _prepared(TABLE.format(between=" Returns by district:"), "refugee_return")
    assert x_of(ctx, cand)[feature] == pytest.approx(value), case


def test_a_far_actor_is_no_table_row():
    # the window also holds actors named far off ("[[UNHCR|A]] reported."): the table flag is for the table's rows
    ctx = _prepared("[[UNHCR|A]] reported. " + FILLER * 3 + TABLE.format(between=" Returns by district:"), "refugee_return")
    assert _cand(ctx, "UNHCR") in window(ctx, 0)
    assert x_of(ctx, "UNHCR")[-3] == 0.0 and x_of(ctx, "2,140")[-3] == 1.0


def x_of(ctx, cand: str) -> np.ndarray:
    return pair_matrix(ctx, [(0, _cand(ctx, cand))], LAYER, LAYER.ontology.names)[0, :N_HAND]


@pytest.mark.parametrize("case,between,kept", [
    ("the places of a table's rows stay with the event it breaks down", " Returns by district:", True),
    ("a place further off is dropped (GUIDELINES 4.3)", " Returns by district:\nSee below.\nAnd here.", False),
])
def test_table_places_stay_with_their_event(case, between, kept):
    ctx = _prepared(TABLE.format(between=between), "refugee_return")
    row = _cand(ctx, "Wabxo")
    drafts = decode(ctx, {(0, _cand(ctx, "4,960")): 0.9, (0, row): 0.9}, {}, _weights())
    assert (row in drafts[0].args) == kept, case


@pytest.mark.parametrize("case,intro,in_window", [
    ("a list that a ':' line introduces breaks the event down", "Figures for the week:", True),
    ("bullets without such a line are entries of their own", "Figures for the week.", False),
])
def test_a_colon_list_after_the_trigger_joins_its_window(case, intro, in_window):
    body = (f"[[SCD|A]] teams [[removed|T]] ordnance around [[Darkush|P]]. {intro}\n"
            "• [[64|Q]] [[cluster submunitions|U]] destroyed\n• [[11|Q]] [[hectares|U]] surveyed\n\nRain fell.")
    ctx = _prepared(body, "demining")
    assert ({_cand(ctx, "64"), _cand(ctx, "11")} <= set(window(ctx, 0))) == in_window, case


@pytest.mark.parametrize("case,lead,date", [
    ("a lead with a period of its own undates the headline's report date", "[[WFP|A]] [[delivered|T]] food this week.", None),
    ("a lead with its own day dates the fact", "[[WFP|A]] [[delivered|T]] food on Tuesday.", "2017-10-31"),
    ("a lead with neither keeps the report date", "[[WFP|A]] [[delivered|T]] food.", "2017-11-01"),
])
def test_a_restated_fact_takes_the_time_its_mentions_state(case, lead, date):
    from sitrep_ie.events.learned.assembly import draft_date
    from sitrep_ie.events.learned.decoding import Draft

    ctx = _prepared(f"WFP [[delivers|T]] food to Douma\n\nDOUMA, 1 November (Reuters) - {lead}", "aid_delivery", dt.date(2017, 11, 1))
    assert draft_date(ctx, Draft([0, 1]), LAYER)[0] == date, case


@pytest.mark.parametrize("case,header,unit", [
    ("a unit tagged in the column's header", "Settlement          [[shellings|U]]", "shellings"),
    ("an untagged header gives none", "Settlement          shellings", None),
])
def test_table_numbers_take_their_header_unit(case, header, unit):
    body = (f"[[Militants|A]] [[shelled|T]] villages in [[Hama|P]]:\n{header}\n"
            "[[Tell Sikkin|P]]         [[7|Q]]\n[[Jubb Ramla|P]]          [[2|Q]]\n")
    ctx = _prepared(body, "ceasefire_violation")
    assert [ctx.candidates[_cand(ctx, n)].quantity.unit for n in ("7", "2")] == [unit, unit], case


def test_a_blank_line_with_spaces_still_ends_the_paragraph():
    from sitrep_ie.events.learned.decoding import Draft

    body = "Militants [[shelled|T]] [[Horlivka|P]] on Monday.\n  \n[[Two|Q]] [[civilians|U]] were [[killed|T]]."
    ctx = _prepared(body, {"shelled": "ceasefire_violation", "killed": "casualties"}, dt.date(2023, 3, 8))
    drafts = [Draft([0], {_cand(ctx, "Horlivka"): 0.9}), Draft([1], {_cand(ctx, "Two"): 0.9})]
    casualties = [e for e in to_events(ctx, drafts, LAYER, _weights(), None) if e.type == "casualties"]
    assert casualties and casualties[0].places == []


@pytest.mark.parametrize("case,body,linked,actors", [
    ("the full name linked brings its bracketed abbreviation",
     "[[Danish Demining Group|A]] ([[DDG|A]]) teams [[cleared|T]] [[12|Q]] [[mines|U]].", "Danish Demining Group",
     ["Danish Demining Group", "DDG"]),
    ("the abbreviation linked brings the full name",
     "[[DanChurchAid|A]] ( [[DCA|A]] ) teams [[cleared|T]] [[12|Q]] [[mines|U]].", "DCA", ["DanChurchAid", "DCA"]),
    ("two names side by side are no pair",
     "[[MAG|A]] and [[HALO Trust|A]] teams [[cleared|T]] [[12|Q]] [[mines|U]].", "MAG", ["MAG"]),
    ("a bracket that goes on past the abbreviation is no pair",
     "[[UNMAS|A]] ([[UNOPS|A]] partner) teams [[cleared|T]] [[12|Q]] [[mines|U]].", "UNMAS", ["UNMAS"]),
])
def test_a_name_and_its_bracketed_abbreviation_are_listed_together(case, body, linked, actors):
    ctx = _prepared(body, "demining")
    scores = {(0, _cand(ctx, linked)): 0.9, (0, _cand(ctx, "12")): 0.9}
    events = to_events(ctx, decode(ctx, scores, {}, _weights()), LAYER, _weights(), "v1")
    assert [a.text for a in events[0].actors] == actors, case


# the words of _RESCUE_TEXT and the head's class probabilities for them (no trigger, displacement, demining)
_RESCUE_TEXT = "Shelling forced 600 people out. Teams met. Floods hit 20 homes."
_RESCUE_WORDS = [(0, 8), (9, 15), (16, 19), (20, 26), (27, 30), (32, 37), (38, 41), (43, 49), (50, 53), (54, 56), (57, 62)]
_RESCUE_PROBS = np.array([[0.8, 0.1, 0.1], [0.62, 0.35, 0.03], [0.99, 0.0, 0.01], [0.9, 0.1, 0.0], [0.8, 0.2, 0.0],
                          [0.6, 0.0, 0.4], [0.55, 0.0, 0.45], [0.8, 0.2, 0.0], [0.72, 0.27, 0.01], [0.99, 0.0, 0.01], [0.9, 0.1, 0.0]])


@pytest.mark.parametrize("case,found,numbers,threshold,rescued", [
    ("sentences with a number and no trigger take their unsure words; Teams met has none", [], [16, 54], 0.25, ["forced", "hit"]),
    ("a higher threshold takes fewer", [], [16, 54], 0.3, ["forced"]),
    ("without a number nothing is rescued", [], [], 0.25, []),
    ("a sentence that has a trigger takes no more", [TriggerSpan(9, 15, "displacement")], [16, 54], 0.25, ["hit"]),
])
def test_sentences_with_a_number_and_no_trigger_take_unsure_triggers(case, found, numbers, threshold, rescued):
    from sitrep_ie.events.learned.triggers import rescue_triggers

    sents = [(0, 31), (32, 42), (43, 62)]
    got = rescue_triggers(_RESCUE_WORDS, _RESCUE_PROBS, ["displacement", "demining"], found, sents, numbers, threshold)
    assert [(_RESCUE_TEXT[t.start:t.end], t.type) for t in got] == [(w, "displacement") for w in rescued], case


def test_the_trigger_head_rescues_only_with_a_rescue_threshold(monkeypatch):
    from sitrep_ie.events.learned import LearnedEventLayer
    from sitrep_ie.events.learned import layer as layer_module

    text = "Shelling forced 600 people out."
    ents = [Entity(16, 19, "QUANTITY", "600", 0.99), Entity(20, 26, "UNIT", "people", 0.99)]
    n = len(LAYER.ontology.names)
    unsure = np.array([0.62] + [0.38 if t == "displacement" else 0.0 for t in LAYER.ontology.names])
    sure_none = np.array([0.95] + [0.05 / n] * n)
    layer = LearnedEventLayer(LAYER, _weights())
    # the row of a word is its index: the head is unsure of "forced" (word 1) only
    monkeypatch.setattr(layer_module, "trigger_head_rows", lambda words, states, cues: np.arange(len(words))[:, None])
    layer.weights.trigger = lambda rows: np.stack([unsure if r == 1 else sure_none for r in rows[:, 0]])
    states = EncoderStates(np.array([[0, 31]]), np.zeros((1, 4), np.float32))
    assert layer.find_triggers(text, ents, [], states) == []
    layer.weights.rescue_threshold = 0.3
    assert [(text[t.start:t.end], t.type) for t in layer.find_triggers(text, ents, [], states)] == [("forced", "displacement")]
    assert layer.find_triggers(text, ents[1:], [], states) == []  # no number, no rescue


# per word: P(no trigger), P(aid_delivery), P(medical_aid)
@pytest.mark.parametrize("case,probs,min_trigger,spans", [
    ("adjacent words of one type are one trigger", [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]], None, [(0, 13, "aid_delivery")]),
    ("adjacent words of two types are one trigger, of the type they favour together",
     [[0.1, 0.8, 0.1], [0.3, 0.2, 0.5]], None, [(0, 13, "aid_delivery")]),
    ("... whichever word comes first", [[0.3, 0.2, 0.5], [0.1, 0.8, 0.1]], None, [(0, 13, "aid_delivery")]),
    ("a word between keeps two triggers apart", [[0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.3, 0.2, 0.5]], None,
     [(0, 9, "aid_delivery"), (14, 17, "medical_aid")]),
    ("with a floor, the trigger classes together decide", [[0.6, 0.2, 0.2], [0.9, 0.1, 0.0]], 0.3, [(0, 9, "aid_delivery")]),
])
def test_decode_triggers(case, probs, min_trigger, spans):
    from sitrep_ie.events.learned.triggers import decode_triggers

    words = [(0, 9), (10, 13), (14, 17)][:len(probs)]
    got = decode_triggers(words, np.asarray(probs), ["aid_delivery", "medical_aid"], min_trigger)
    assert [(t.start, t.end, t.type) for t in got] == spans, case
