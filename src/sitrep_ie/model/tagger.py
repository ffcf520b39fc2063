"""The token classifier at inference: load a model directory once, tag many texts.

ONNX backends run windows one by one over a thread pool (see backends.OnnxRunner); the torch
backend batches windows sorted by length so that padding is small.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import InputError, ModelCorruptError, ModelIncompatibleError
from ..schema import Entity
from .alignment import CASE_SCHEME, SpecialTokens, Window, case_type_ids, decode, drop_possessive, encode_texts, load_tokenizer, make_windows, snap_to_words, split_lines, stitch
from .artifacts import ModelDir
from .backends import OnnxRunner, TorchRunner, check_backend, softmax


def check_text(text: Any, fn: str) -> str:
    if not isinstance(text, str):
        raise InputError(f"{fn}() expects a str, got {type(text).__name__}: {repr(text)[:60]}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{fn}() got text that is not valid Unicode: lone surrogate {text[exc.start]!r} at offset {exc.start}") from None
    return text


@dataclass
class Tagged:
    """What the tagger gives for one text: spans, uncertainty, and what the event layer reads."""

    entities: list[Entity]
    uncertainty: float  # mean least-confidence over words (1 - top tag probability)
    token_offsets: np.ndarray  # (tokens, 2) character offsets
    hidden: np.ndarray | None  # (tokens, hidden size) last hidden states; None for models exported without them


class Tagger:
    """A loaded token classifier; loads on first use, once, and is safe to share between threads.

    Args:
        model: model directory.
        backend: "auto" (the model's recorded default), or one of onnx-int8, onnx-fp32, torch-fp32.
        batch_size: windows per forward pass of the torch backend.
        threads: CPU threads (default: all cores).

    Example:
        >>> Tagger("models/default").tag("Sappers cleared 12 mines in Aleppo.")  # doctest: +SKIP
        [Entity(start=16, end=18, label='QUANTITY', text='12', score=0.99), ...]
    """

    def __init__(self, model: str | Path, *, backend: str = "auto", batch_size: int = 8, threads: int | None = None) -> None:
        self.model_dir = ModelDir(model)
        self.path = self.model_dir.path
        self.requested_backend = check_backend(backend)
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self._lock = threading.Lock()
        self._loaded = False

    def load(self) -> None:
        """Read and check the model directory and start its backend (idempotent, thread-safe)."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            md = self.model_dir
            path = md.resolved()
            meta = md.meta()
            labels = md.labels()
            backend = self.requested_backend if self.requested_backend != "auto" else meta.get("default_backend", "torch-fp32")
            if backend.startswith("onnx"):
                self._run: Any = OnnxRunner(md.onnx_file(backend), self.threads)
            else:
                if not md.has_weights():
                    raise ModelCorruptError(f"{path} has no model.safetensors; retrain with `make train`")
                self._run = TorchRunner(path, self.threads)
            tok_file = md.file("tokenizer.json", "the tagger")
            try:
                self.tokenizer = load_tokenizer(path)
            except Exception as exc:  # tokenizers raises plain Exception on a damaged file
                raise ModelCorruptError(f"{tok_file} is unreadable ({exc})") from None
            self.backend = backend
            self.special = SpecialTokens.of(self.tokenizer)
            self.labels = labels
            self.id2label = dict(enumerate(labels.bio_tags))
            self.max_length = int(meta.get("max_length", 256))
            self.stride = int(meta.get("stride", 64))
            self.case_types = meta.get("case_types")  # absent: a model trained without word case (all type ids 0)
            if self.case_types not in (None, CASE_SCHEME):
                raise ModelIncompatibleError(f"{path}: token types {self.case_types!r} are not this version's ({CASE_SCHEME!r})")
            self.model_version = str(meta.get("model_version", path.name))
            self.meta = meta
            self._loaded = True

    # -- tagging ---------------------------------------------------------------------------
    def _forward(self, windows: Sequence[Window], batch_size: int) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """(tag probabilities, last hidden states or None) of each window."""
        if self._run.per_window:
            def one(w: Window) -> tuple[np.ndarray, np.ndarray | None]:
                ids = np.asarray([w.input_ids], dtype=np.int64)
                types = np.asarray([w.type_ids], dtype=np.int64) if w.type_ids is not None else None
                logits, hidden = self._run(ids, np.ones_like(ids), types)
                return softmax(np.asarray(logits, dtype=np.float32))[0], (hidden[0] if hidden is not None else None)

            return list(self._run.pool.map(one, windows))
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        out: list[tuple[np.ndarray, np.ndarray | None] | None] = [None] * len(windows)
        pad = self.special.pad_id
        for a in range(0, len(order), batch_size):
            idx = order[a:a + batch_size]
            width = max(len(windows[i].input_ids) for i in idx)
            ids = np.full((len(idx), width), pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64) if self.case_types else None
            for r, i in enumerate(idx):
                w = windows[i].input_ids
                ids[r, : len(w)] = w
                mask[r, : len(w)] = 1
                if types is not None:
                    types[r, : len(w)] = windows[i].type_ids
            logits, hidden = self._run(ids, mask, types)
            probs = softmax(np.asarray(logits, dtype=np.float32))
            for r, i in enumerate(idx):
                n = len(windows[i].input_ids)
                out[i] = (probs[r, :n], hidden[r, :n] if hidden is not None else None)
        return out  # type: ignore[return-value]

    def tag_full(self, texts: Sequence[str], batch_size: int | None = None) -> list[Tagged]:
        """Entities (triggers included), model uncertainty and per-token hidden states of each text."""
        self.load()
        texts = [check_text(t, "tag") for t in texts]
        encs = encode_texts(self.tokenizer, texts)
        types = [case_type_ids(t, e) for t, e in zip(texts, encs)] if self.case_types else None
        windows = make_windows(encs, self.max_length, self.stride, self.special, type_ids=types)
        outs = self._forward(windows, batch_size or self.batch_size) if windows else []
        per_doc: list[list[int]] = [[] for _ in texts]
        for k, w in enumerate(windows):
            per_doc[w.doc].append(k)
        n_prefix = len(self.special.prefix)
        result: list[Tagged] = []
        for d, (text, enc) in enumerate(zip(texts, encs)):
            ks = per_doc[d]
            offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
            if not ks:
                result.append(Tagged([], 0.0, offsets, None))
                continue
            ws = [windows[k] for k in ks]
            token_probs = stitch(len(enc.ids), ws, [outs[k][0] for k in ks], n_prefix)
            hidden = stitch(len(enc.ids), ws, [outs[k][1] for k in ks], n_prefix) if outs[ks[0]][1] is not None else None
            wids = enc.word_ids  # a property that rebuilds its list on every access
            first = [i for i, w in enumerate(wids) if i == 0 or w != wids[i - 1]]
            uncertainty = float(np.mean(1.0 - token_probs[first].max(axis=-1))) if first else 0.0
            ents: list[Entity] = []
            for sp in decode(enc, token_probs, self.id2label):
                for a, b in split_lines(text, *drop_possessive(text, *snap_to_words(text, sp.start, sp.end))):
                    if ents and a < ents[-1].end:
                        continue  # widened onto the previous span (two labels in one word): the first keeps the word
                    ents.append(Entity(a, b, sp.label, text[a:b], sp.score))
            result.append(Tagged(ents, uncertainty, offsets, hidden))
        return result

    def _tag(self, texts: Sequence[str], batch_size: int | None) -> list[tuple[list[Entity], float]]:
        return [(t.entities, t.uncertainty) for t in self.tag_full(texts, batch_size)]

    def tag_many(self, texts: Iterable[str], batch_size: int | None = None) -> list[list[Entity]]:
        """Entities of each text (see :meth:`tag`)."""
        return [ents for ents, _ in self._tag(list(texts), batch_size)]

    def tag_with_uncertainty(self, texts: Iterable[str], batch_size: int | None = None) -> list[tuple[list[Entity], float]]:
        """Entities and model uncertainty of each text (mean least-confidence over words; for active learning)."""
        return self._tag(list(texts), batch_size)

    def tag(self, text: str) -> list[Entity]:
        """Tagged QUANTITY/UNIT/PLACE/ACTOR spans of one text, in order."""
        return self.tag_many([text])[0]
