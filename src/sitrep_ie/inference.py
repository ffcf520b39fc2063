"""Load a trained model once and tag / extract from many reports.

Backends (chosen per model by ``make train``, which records each one's dev F1 in sitrep_ie.json):
  - ``onnx-int8``: ONNX Runtime, dynamically quantised weights; no torch import at all;
  - ``onnx-fp32``: ONNX Runtime, full precision;
  - ``torch-fp32``: transformers + torch (the reference).
Windows of all reports in a call are batched together, sorted by length so that padding is small.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .alignment import SpecialTokens, Window, decode, encode_texts, load_tokenizer, make_windows, stitch
from .assembly import assemble
from .dates import as_date
from .errors import ConfigError, InputError, ModelCorruptError, ModelIncompatibleError, ModelMissingError
from .geo import geocode_events
from .labels import LabelSet
from .normalise import NormalisationConfig
from .ontology import Ontology
from .schema import Entity, Event

META_FILE = "sitrep_ie.json"
FORMAT_VERSION = 1
BACKENDS = ("onnx-int8", "onnx-fp32", "torch-fp32")


def default_model_path() -> Path:
    """$SITREP_IE_MODEL if set, else models/default under the working directory."""
    return Path(os.environ.get("SITREP_IE_MODEL") or Path("models") / "default")


def _check_text(text: Any, fn: str) -> str:
    if not isinstance(text, str):
        raise InputError(f"{fn}() expects a str, got {type(text).__name__}: {repr(text)[:60]}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{fn}() got text that is not valid Unicode: lone surrogate {text[exc.start]!r} at offset {exc.start}") from None
    return text


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x


class _OnnxRunner:
    """ONNX Runtime, one window per run, windows spread over a thread pool.

    One window per run is deliberate: dynamic int8 quantisation computes activation scales over the
    whole input tensor, so batching would make a report's tags depend on the reports batched with it.
    Single windows need no padding either, and parallel single-threaded runs use the cores better
    than one multi-threaded run on small matrices (measured: 7,900 vs 3,900 words/s on 2 cores).
    """

    per_window = True

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort
        from concurrent.futures import ThreadPoolExecutor

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelCorruptError(f"cannot load ONNX model {path}: {exc}") from None
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sitrep-ie-onnx")

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return self.session.run(None, feed)[0]


class _TorchRunner:
    per_window = False

    def __init__(self, path: Path, threads: int) -> None:
        import torch
        from transformers import AutoModelForTokenClassification

        torch.set_num_threads(threads)
        try:
            self.model = AutoModelForTokenClassification.from_pretrained(str(path), local_files_only=True).eval()
        except (OSError, ValueError) as exc:
            raise ModelCorruptError(f"cannot load torch model from {path}: {exc}") from None
        self.torch = torch

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with self.torch.inference_mode():
            out = self.model(input_ids=self.torch.from_numpy(ids), attention_mask=self.torch.from_numpy(mask))
        return out.logits.numpy()


class Extractor:
    """A loaded model plus the event assembler.

    The model is loaded on first use, once; an Extractor is safe to share between threads.

    Args:
        model: model directory (default: $SITREP_IE_MODEL or models/default).
        backend: "auto" (the model's recorded default), or one of onnx-int8, onnx-fp32, torch-fp32.
        ontology: event ontology YAML (default: the copy saved with the model).
        normalisation: normalisation YAML (default: the copy saved with the model).
        batch_size: windows per forward pass of the torch backend (ONNX backends run windows one by one, in parallel).
        threads: CPU threads (default: all cores).

    Example:
        >>> ex = Extractor("models/default")  # doctest: +SKIP
        >>> [e.type for e in ex.extract("Sappers cleared 12 mines in Aleppo.")]  # doctest: +SKIP
        ['demining']
    """

    def __init__(self, model: str | Path | None = None, *, backend: str = "auto", ontology: str | Path | None = None,
                 normalisation: str | Path | None = None, batch_size: int = 8, threads: int | None = None) -> None:
        self.path = Path(model) if model is not None else default_model_path()
        if backend != "auto" and backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is not one of auto, {', '.join(BACKENDS)}")
        self.requested_backend = backend
        self._ontology_path = ontology
        self._norm_path = normalisation
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self._lock = threading.Lock()
        self._loaded = False

    # -- loading -------------------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            path = self.path.resolve() if self.path.exists() else self.path
            if not path.is_dir():
                raise ModelMissingError(f"no model at {self.path}; run `make train` (or set SITREP_IE_MODEL to a model directory)")
            meta = self._read_json(path / META_FILE)
            if meta.get("format") != FORMAT_VERSION:
                raise ModelIncompatibleError(f"{path / META_FILE}: format {meta.get('format')!r}, this sitrep-ie reads format {FORMAT_VERSION}; retrain with `make train`")
            hf_config = self._read_json(path / "config.json")
            id2label = hf_config.get("id2label")
            if not isinstance(id2label, dict) or not id2label:
                raise ModelIncompatibleError(f"{path / 'config.json'} has no id2label map")
            try:
                tags = [id2label[str(i)] for i in range(len(id2label))]
                labels = LabelSet.from_bio_tags(tags)
            except (KeyError, Exception) as exc:
                raise ModelIncompatibleError(f"{path / 'config.json'}: label map {id2label} is not a BIO label set ({exc})") from None
            if meta.get("labels") and meta["labels"] != labels.names:
                raise ModelIncompatibleError(f"{path}: {META_FILE} lists labels {meta['labels']} but config.json has {labels.names}")
            backend = self.requested_backend if self.requested_backend != "auto" else meta.get("default_backend", "torch-fp32")
            self.backend = backend
            if backend.startswith("onnx"):
                onnx_file = path / "onnx" / ("model.int8.onnx" if backend == "onnx-int8" else "model.onnx")
                if not onnx_file.is_file():
                    raise ModelCorruptError(f"backend {backend} needs {onnx_file}, which is missing; choose backend='torch-fp32' or retrain")
                self._run = _OnnxRunner(onnx_file, self.threads)
            else:
                if not any((path / f).is_file() for f in ("model.safetensors", "pytorch_model.bin")):
                    raise ModelCorruptError(f"{path} has no model.safetensors; retrain with `make train`")
                self._run = _TorchRunner(path, self.threads)
            if not (path / "tokenizer.json").is_file():
                raise ModelCorruptError(f"{path} has no tokenizer.json")
            try:
                self.tokenizer = load_tokenizer(path)
            except Exception as exc:  # tokenizers raises plain Exception on a damaged file
                raise ModelCorruptError(f"{path / 'tokenizer.json'} is unreadable ({exc})") from None
            self.special = SpecialTokens.of(self.tokenizer)
            self.labels = labels
            self.id2label = {i: t for i, t in enumerate(tags)}
            self.max_length = int(meta.get("max_length", 256))
            self.stride = int(meta.get("stride", 64))
            self.model_version = str(meta.get("model_version", path.name))
            try:
                self.ontology = Ontology.from_yaml(self._ontology_path or path / "ontology.yaml")
                self.normalisation = NormalisationConfig.from_yaml(self._norm_path or path / "normalisation.yaml")
            except ConfigError as exc:
                if self._ontology_path or self._norm_path:
                    raise
                raise ModelIncompatibleError(f"the configs saved with the model in {path} do not load ({exc.message}); "
                                             "pass ontology=/normalisation= paths or retrain") from None
            self.meta = meta
            self._loaded = True

    @staticmethod
    def _read_json(p: Path) -> dict[str, Any]:
        if not p.is_file():
            raise ModelCorruptError(f"{p} is missing: the model directory is incomplete; retrain with `make train`")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelCorruptError(f"{p} is unreadable ({exc})") from None
        if not isinstance(data, dict):
            raise ModelCorruptError(f"{p} does not hold a JSON object")
        return data

    # -- tagging ---------------------------------------------------------------------------
    def _forward(self, windows: Sequence[Window], batch_size: int) -> list[np.ndarray]:
        if self._run.per_window:
            def one(w: Window) -> np.ndarray:
                ids = np.asarray([w.input_ids], dtype=np.int64)
                return _softmax(np.asarray(self._run(ids, np.ones_like(ids)), dtype=np.float32))[0]

            return list(self._run.pool.map(one, windows))
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        out: list[np.ndarray | None] = [None] * len(windows)
        pad = self.special.pad_id
        for a in range(0, len(order), batch_size):
            idx = order[a:a + batch_size]
            width = max(len(windows[i].input_ids) for i in idx)
            ids = np.full((len(idx), width), pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                w = windows[i].input_ids
                ids[r, : len(w)] = w
                mask[r, : len(w)] = 1
            probs = _softmax(np.asarray(self._run(ids, mask), dtype=np.float32))
            for r, i in enumerate(idx):
                out[i] = probs[r, : len(windows[i].input_ids)]
        return out  # type: ignore[return-value]

    def _tag(self, texts: Sequence[str], batch_size: int | None) -> list[tuple[list[Entity], float]]:
        """Entities and the mean least-confidence (1 - top tag probability, averaged over words) of each text."""
        self._load()
        encs = encode_texts(self.tokenizer, texts)
        windows = make_windows(encs, self.max_length, self.stride, self.special)
        probs = self._forward(windows, batch_size or self.batch_size) if windows else []
        per_doc: list[list[int]] = [[] for _ in texts]
        for k, w in enumerate(windows):
            per_doc[w.doc].append(k)
        result: list[tuple[list[Entity], float]] = []
        for d, (text, enc) in enumerate(zip(texts, encs)):
            ks = per_doc[d]
            if not ks:
                result.append(([], 0.0))
                continue
            token_probs = stitch(len(enc.ids), [windows[k] for k in ks], [probs[k] for k in ks], len(self.special.prefix))
            spans = decode(enc, token_probs, self.id2label)
            wids = enc.word_ids  # a property that rebuilds its list on every access
            first = [i for i, w in enumerate(wids) if i == 0 or w != wids[i - 1]]
            uncertainty = float(np.mean(1.0 - token_probs[first].max(axis=-1))) if first else 0.0
            ents = [Entity(s.start, s.end, s.label, text[s.start:s.end], s.score) for s in spans if text[s.start:s.end].strip()]
            result.append((ents, uncertainty))
        return result

    def tag_many(self, texts: Iterable[str], batch_size: int | None = None) -> list[list[Entity]]:
        """Entities of each text (see :meth:`tag`)."""
        return [ents for ents, _ in self._tag([_check_text(t, "tag") for t in texts], batch_size)]

    def tag_with_uncertainty(self, texts: Iterable[str], batch_size: int | None = None) -> list[tuple[list[Entity], float]]:
        """Entities and model uncertainty of each text (mean least-confidence over words; for active learning)."""
        return self._tag([_check_text(t, "tag") for t in texts], batch_size)

    def tag(self, text: str) -> list[Entity]:
        """Tagged QUANTITY/UNIT/PLACE/ACTOR spans of one text, in order."""
        return self.tag_many([text])[0]

    # -- events ----------------------------------------------------------------------------
    def extract_many(self, texts: Iterable[str], *, reference_dates: Sequence[dt.date | str | None] | None = None,
                     batch_size: int | None = None) -> list[list[Event]]:
        """Events of each text; ``reference_dates`` (one per text) resolves datelines and weekdays."""
        texts = [_check_text(t, "extract") for t in texts]
        refs = list(reference_dates) if reference_dates is not None else [None] * len(texts)
        if len(refs) != len(texts):
            raise ValueError(f"{len(refs)} reference dates for {len(texts)} texts")
        tagged = self.tag_many(texts, batch_size)
        return [self.assemble(t, ents, reference_date=r) for t, ents, r in zip(texts, tagged, refs)]

    def assemble(self, text: str, entities: Sequence[Entity], *, reference_date: dt.date | str | None = None) -> list[Event]:
        """Events from already-tagged entities (what extract() does after tagging)."""
        self._load()
        events = assemble(text, entities, self.ontology, self.normalisation, reference_date=as_date(reference_date),
                          model_version=self.model_version)
        geocode_events(events, text)  # issue 13: place.geo; opens the gazetteer only when a place is there
        return events

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
