"""Character spans <-> subword BIO tags, and windows over long reports.

A report is tokenised once, without truncation; the token sequence is cut into windows of
``max_length`` (special tokens included) that overlap by ``stride`` tokens, so no token is
ever dropped. At training time each window gets BIO labels from the character spans (B on
the first piece of a span, I on every later piece). At inference time every token takes its
prediction from the window where it sits furthest from an edge, and words (the tokenizer's
pre-tokenised words) take the tag of their first piece, so spans always cover whole words.

The encoder is uncased. A model trained with ``case_types`` (an option, off by default: no gain on dev)
also gives each token the case of its word in the original text as its token type id
(``case_type_ids``), so that names and common nouns can part ("Kafr Shams" against "safe roads").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Encoding, Tokenizer

from ..data.document import Span, spans_to_bio
from ..schema import trim_span

IGNORE_INDEX = -100


def load_tokenizer(model_dir: str | Path) -> Tokenizer:
    """The fast tokenizer of a model directory, with truncation and padding switched off."""
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


@dataclass(frozen=True)
class SpecialTokens:
    prefix: tuple[int, ...]
    suffix: tuple[int, ...]
    pad_id: int

    @classmethod
    def of(cls, tok: Tokenizer) -> SpecialTokens:
        with_special = tok.encode("x", add_special_tokens=True).ids
        plain = tok.encode("x", add_special_tokens=False).ids
        i = with_special.index(plain[0]) if plain else len(with_special)
        pad = tok.token_to_id("[PAD]")
        return cls(tuple(with_special[:i]), tuple(with_special[i + len(plain):]), 0 if pad is None else pad)

    @property
    def count(self) -> int:
        return len(self.prefix) + len(self.suffix)


def window_bounds(n_tokens: int, body: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges [a, b) of the windows covering ``n_tokens`` tokens.

    >>> window_bounds(10, 4, 1)
    [(0, 4), (3, 7), (6, 10)]
    """
    if n_tokens == 0:
        return []
    if body <= stride:
        raise ValueError(f"window body {body} must exceed stride {stride}")
    step = body - stride
    bounds = []
    a = 0
    while True:
        b = min(a + body, n_tokens)
        bounds.append((a, b))
        if b >= n_tokens:
            return bounds
        a += step


def token_tags(offsets: Sequence[tuple[int, int]], spans: Sequence[Span], label2id: dict[str, int]) -> list[int]:
    """BIO tag ids of each token from character spans (a token belongs to a span it overlaps)."""
    return [label2id[t] for t in spans_to_bio(offsets, spans)]


# token type ids of a model trained with word case (sitrep_ie.json "case_types"): what each id means
CASE_SCHEME = "word-case-3"
CASE_TYPES = 3  # 0: no capital letter, 1: a capital letter, 2: all capitals (two letters or more)


def word_case(word: str) -> int:
    """The case class of a word as written.

    >>> [word_case(w) for w in ("shelling", "Aleppo", "UNHCR", "A", "iPhone", "1,700", "-")]
    [0, 1, 2, 1, 1, 0, 0]
    """
    letters = [c for c in word if c.isalpha()]
    if not any(c.isupper() for c in letters):
        return 0
    return 2 if len(letters) >= 2 and all(c.isupper() for c in letters) else 1


def case_type_ids(text: str, enc: Encoding) -> list[int]:
    """Per token, the case class of the whole word it belongs to (a word's later pieces, "##fr" of
    "Kafr", take the word's class: their own letters are all lower case)."""
    case = {w: word_case(text[slice(*enc.word_to_chars(w))]) for w in set(enc.word_ids) if w is not None}
    return [0 if w is None else case[w] for w in enc.word_ids]


@dataclass
class Window:
    doc: int
    start: int
    end: int
    input_ids: list[int]
    labels: list[int] | None = None
    type_ids: list[int] | None = None  # word case per token (``case_type_ids``), for a model trained with it


def encode_texts(tok: Tokenizer, texts: Sequence[str]) -> list[Encoding]:
    return tok.encode_batch(list(texts), add_special_tokens=False)


def make_windows(encodings: Sequence[Encoding], max_length: int, stride: int, special: SpecialTokens,
                 spans: Sequence[Sequence[Span]] | None = None, label2id: dict[str, int] | None = None, *,
                 first_subtoken_only: bool = False, type_ids: Sequence[Sequence[int]] | None = None) -> list[Window]:
    """Cut every encoding into overlapping windows; with spans, attach BIO labels; with ``type_ids``
    (one list per encoding), each window's share of them (special tokens get 0).

    ``first_subtoken_only`` labels only the first sub-token of each word (the others get -100),
    so that scores over the labelled positions are word-level scores.
    """
    body = max_length - special.count
    windows: list[Window] = []
    for d, enc in enumerate(encodings):
        tags = token_tags(enc.offsets, spans[d], label2id) if spans is not None and label2id is not None else None
        if tags is not None and first_subtoken_only:
            wids = enc.word_ids
            tags = [t if k == 0 or wids[k] is None or wids[k] != wids[k - 1] else IGNORE_INDEX for k, t in enumerate(tags)]
        for a, b in window_bounds(len(enc.ids), body, stride):
            ids = list(special.prefix) + enc.ids[a:b] + list(special.suffix)
            labels = None
            if tags is not None:
                labels = [IGNORE_INDEX] * len(special.prefix) + tags[a:b] + [IGNORE_INDEX] * len(special.suffix)
            types = None
            if type_ids is not None:
                types = [0] * len(special.prefix) + list(type_ids[d][a:b]) + [0] * len(special.suffix)
            windows.append(Window(d, a, b, ids, labels, types))
    return windows


def stitch(n_tokens: int, windows: Sequence[Window], probs: Sequence[np.ndarray], n_prefix: int) -> np.ndarray:
    """Per-token class probabilities of one document from its windows' outputs.

    Each token keeps the prediction of the window in which it is furthest from an edge.
    """
    if not windows:
        return np.zeros((0, probs[0].shape[-1] if len(probs) else 1), dtype=np.float32)
    out = np.zeros((n_tokens, probs[0].shape[-1]), dtype=np.float32)
    best = np.full(n_tokens, -1, dtype=np.int64)
    for w, p in zip(windows, probs):
        idx = np.arange(w.start, w.end)
        margin = np.minimum(idx - w.start, w.end - 1 - idx)
        take = margin > best[idx]
        out[idx[take]] = p[n_prefix + (idx[take] - w.start)]
        best[idx[take]] = margin[take]
    return out


def _possessive_at(text: str, i: int) -> bool:
    """Does a possessive ("'s", "’s") start at ``text[i]``?"""
    return text[i:i + 1] in ("'", "’") and text[i + 1:i + 2] in ("s", "S") and not text[i + 2:i + 3].isalnum()


def _inside_word(text: str, i: int) -> bool:
    """Is the boundary before ``text[i]`` inside a word? Letters or digits on both sides (or joined
    by a hyphen or apostrophe) are one word; a digit-letter change ("12km") is a boundary."""
    if i <= 0 or i >= len(text):
        return False
    a, b = text[i - 1], text[i]
    if a.isalpha() and b.isalpha() or a.isdigit() and b.isdigit():
        return True
    joiners = "-'’"
    if _possessive_at(text, i):
        return False  # a possessive is no part of the name: "Syria's", "UNHCR's" (never inside a span in the corpus)
    if (a in joiners and i >= 2 and text[i - 2].isalnum() and b.isalnum()) or (b in joiners and a.isalnum() and i + 1 < len(text) and text[i + 1].isalnum()):
        return True
    # "1,700" and "1.7" are one number
    return (a in ".," and i >= 2 and text[i - 2].isdigit() and b.isdigit()) or (b in ".," and a.isdigit() and i + 1 < len(text) and text[i + 1].isdigit())


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span so it starts and ends on word boundaries ("-escalation" -> "de-escalation").

    >>> t = "the de-escalation zone"
    >>> snap_to_words(t, 6, 22), snap_to_words("12km", 0, 2), snap_to_words("1,700 t", 2, 5)
    ((4, 22), (0, 2), (0, 5))
    >>> snap_to_words("Syria's north", 0, 5), snap_to_words("Ma'arrat", 0, 2)
    ((0, 5), (0, 8))
    """
    while _inside_word(text, start):
        start -= 1
    while _inside_word(text, end):
        end += 1
    return start, end


def drop_possessive(text: str, start: int, end: int) -> tuple[int, int]:
    """A span the tagger opened on a possessive starts after it: the possessive ends the word before
    (none of the corpus's 23,054 annotated spans starts with one); a span it closed after a possessive
    ("Emergency Situations'", "UNHCR's") ends before it. A final apostrophe after another letter stays:
    it is part of a name ("Ad Dali'").

    >>> t = "the Ministry's International Demining Center"
    >>> t[slice(*drop_possessive(t, 12, 44))], drop_possessive("’s", 0, 2), drop_possessive("'sa", 0, 3)
    ('International Demining Center', (2, 2), (0, 3))
    >>> [t[slice(*drop_possessive(t, 0, len(t)))] for t in ("Emergency Situations'", "UNHCR’s", "Ad Dali'")]
    ['Emergency Situations', 'UNHCR', "Ad Dali'"]
    """
    if _possessive_at(text, start):
        start, end = trim_span(text, start + 2, end)
    if end - start > 2 and _possessive_at(text, end - 2):
        end -= 2
    elif end - start > 2 and text[end - 1] in ("'", "’") and text[end - 2] in ("s", "S") and not text[end:end + 1].isalnum():
        end -= 1
    return start, end


SEPARATORS = ",;:"  # punctuation that parts words and never opens or closes a span


def split_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    r"""The parts of a span on each line, without the whitespace and separators (``SEPARATORS``) at their edges:
    no annotated span (of 23,054 in the corpus) crosses a line break, while the tagger ran "Aleppo" into the
    dateline below it; and none starts or ends on a comma, while the tagger opened one on it ("On November 5, 422
    hectares": ", 422", which reads as no number).

    >>> t = "out of eastern Aleppo\n\nGENEVA, 14 December"
    >>> [t[a:b] for a, b in split_lines(t, 15, 29)], split_lines("Kafr Shams", 0, 10)
    (['Aleppo', 'GENEVA'], [(0, 10)])
    """
    parts = (trim_span(text, start + m.start(), start + m.end(), SEPARATORS) for m in re.finditer(r"[^\n]+", text[start:end]))
    return [(a, b) for a, b in parts if a < b]


@dataclass(frozen=True)
class TaggedSpan:
    start: int
    end: int
    label: str
    score: float


def decode(enc: Encoding, token_probs: np.ndarray, id2label: dict[int, str]) -> list[TaggedSpan]:
    """Word-level BIO decoding of per-token probabilities into character spans.

    A word takes the tag of its first piece; an I- tag that does not continue an entity of the
    same label starts a new one (so a lone I- is never lost).
    """
    spans: list[TaggedSpan] = []
    if len(enc.ids) == 0:
        return spans
    word_ids = enc.word_ids
    offsets = enc.offsets
    cur_label: str | None = None
    cur_start = cur_end = 0
    cur_scores: list[float] = []
    prev_word = None
    tag_of_word_continues = False
    best = token_probs.argmax(axis=-1)
    top = token_probs.max(axis=-1)

    def close() -> None:
        if cur_label is not None:
            spans.append(TaggedSpan(cur_start, cur_end, cur_label, float(np.mean(cur_scores))))

    for i, wid in enumerate(word_ids):
        if wid is not None and wid == prev_word:
            if cur_label is not None and tag_of_word_continues:
                cur_end = max(cur_end, offsets[i][1])
            continue
        prev_word = wid
        tag = id2label[int(best[i])]
        tag_of_word_continues = tag != "O"
        if tag == "O":
            close()
            cur_label = None
            continue
        prefix, label = tag[:2], tag[2:]
        if prefix == "I-" and cur_label == label:
            cur_end = offsets[i][1]
            cur_scores.append(float(top[i]))
            continue
        close()
        cur_label, cur_start, cur_end, cur_scores = label, offsets[i][0], offsets[i][1], [float(top[i])]
    close()
    return spans
