"""Fine-tune the token classifier (``make train``) and publish it atomically.

Run state (checkpoints) lives in training/runs/<config hash>/: an interrupted run resumes from
its last checkpoint when re-run with the same configuration and data, and starts clean (saying
so) otherwise. The finished model is written to models/versions/<version>/ and then published by
swapping the ``models/default`` link in one rename, so a crash never leaves a half-written model
where users load it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..config import TrainConfig
from ..data.annotations import ImportReport, read_export
from ..data.document import Document, Span
from ..data.labels import LabelSet, read_event_types, tagger_labels, trigger_label
from ..errors import ConfigError
from .alignment import CASE_SCHEME, CASE_TYPES, SpecialTokens, case_type_ids, encode_texts, make_windows
from .artifacts import CONFIG_FILES, ModelDir
from .backends import compare_backends, export_onnx
from .card import model_card


@dataclass
class TrainResult:
    model_dir: Path
    published: Path
    seconds: float
    metadata: dict[str, Any]


def augment(docs: Sequence[Document], copies: float, seed: int) -> list[Document]:
    """Training copies with PLACE and ACTOR mentions swapped for others of the training set.

    Swapping names teaches the tagger that context, not memorised names, marks a place or an
    actor. Dev and test are never augmented. A fractional ``copies`` gives the last copy to that
    share of the reports, drawn with the seed: the copy is half of each epoch's tagger time.
    """
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {"PLACE": [], "ACTOR": []}
    for d in docs:
        for s in d.spans:
            if s.label in pools:
                pools[s.label].append(d.text[s.start:s.end])
    for k in pools:
        pools[k] = sorted(set(pools[k]))
    whole, share = int(copies), copies - int(copies)
    rounds = [list(docs)] * whole
    if share > 0:
        # a separate generator: whole copies stay what they were without the share
        picked = set(random.Random(seed + 1).sample(range(len(docs)), round(share * len(docs))))
        rounds.append([d for k, d in enumerate(docs) if k in picked])
    out: list[Document] = []
    for c, batch in enumerate(rounds):
        for d in batch:
            parts: list[str] = []
            spans: list[Span] = []
            pos = 0
            length = 0
            for s in d.spans:
                parts.append(d.text[pos:s.start])
                length += s.start - pos
                surface = d.text[s.start:s.end]
                if s.label in pools and pools[s.label]:
                    surface = rng.choice(pools[s.label])
                spans.append(Span(length, length + len(surface), s.label))
                parts.append(surface)
                length += len(surface)
                pos = s.end
            parts.append(d.text[pos:])
            meta = dict(d.meta, augmented_from=d.report_id, augmentation=c + 1)
            out.append(Document(f"{d.task_id}-aug{c + 1}", "".join(parts), spans, meta))
    return out


def _hash(cfg: TrainConfig, files: Sequence[str]) -> str:
    h = hashlib.sha256(json.dumps(cfg.to_dict(), sort_keys=True).encode())
    for f in files:
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:12]


def _versions() -> dict[str, str]:
    import tokenizers
    import torch
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__}


@dataclass
class _Data:
    train: list[Document]
    dev: list[Document]
    augmented: list[Document]
    reports: dict[str, ImportReport]
    files: list[str]


def load_data(cfg: TrainConfig, root: Path, labels: LabelSet, log: Any) -> _Data:
    """Train and dev documents from the Label Studio exports, checked against the test split."""
    train_files = [str(root / f) for f in cfg.train_files]
    dev_files = [str(root / f) for f in cfg.dev_files]
    for f in train_files + dev_files:
        if not Path(f).is_file():
            raise ConfigError(f"data file {f} does not exist (configs: train_files / dev_files)")
    train_docs, train_report = read_export(train_files, labels, lenient=cfg.lenient)
    if cfg.train_fraction < 1:
        keep = max(1, round(len(train_docs) * cfg.train_fraction))
        train_docs = sorted(random.Random(cfg.seed).sample(train_docs, keep), key=lambda d: d.report_id)
    dev_docs, dev_report = read_export(dev_files, labels, lenient=cfg.lenient) if dev_files else ([], ImportReport())
    log(f"train data: {train_report.summary()}")
    log(f"dev data:   {dev_report.summary()}")
    if not train_docs:
        raise ConfigError("no usable training documents")
    test_texts = set()
    for f in cfg.test_files:
        if (root / f).is_file():
            docs, _ = read_export(root / f, labels, lenient=True)
            test_texts |= {" ".join(d.text.split()) for d in docs}
    leaked = [d.report_id for d in train_docs + dev_docs if " ".join(d.text.split()) in test_texts]
    if leaked:
        raise ConfigError(f"{len(leaked)} training/dev reports also occur in the test split: {leaked[:5]}")
    return _Data(train_docs, dev_docs, [], {"train": train_report, "dev": dev_report}, train_files + dev_files)


def run_directory(cfg: TrainConfig, root: Path, run_hash: str, log: Any) -> tuple[Path, Path | None]:
    """The run's checkpoint folder and the checkpoint to resume from (half-written ones removed)."""
    # runs are grouped by the model they publish, so a scratch run never deletes another model's checkpoints
    runs_root = root / "training" / "runs" / hashlib.sha256(os.path.abspath(root / cfg.output_dir).encode()).hexdigest()[:8]
    run_dir = runs_root / run_hash
    ckpts = sorted(run_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1])) if run_dir.is_dir() else []
    for c in [c for c in ckpts if not (c / "trainer_state.json").is_file()]:
        log(f"removing incomplete checkpoint {c} (killed while saving)")
        shutil.rmtree(c, ignore_errors=True)
        ckpts.remove(c)
    for other in [p for p in runs_root.glob("*") if p.is_dir() and p.name != run_hash] if runs_root.is_dir() else []:
        log(f"removing checkpoints of an earlier run with another config or data: {other}")
        shutil.rmtree(other, ignore_errors=True)
    log(f"resuming from {ckpts[-1]}" if ckpts else f"starting a clean run in {run_dir}")
    return run_dir, ckpts[-1] if ckpts else None


def word_f1_metric(id2label: dict[int, str]) -> Any:
    """The Trainer metric: seqeval strict F1 over first sub-tokens (the rest are labelled -100).

    Dev windows carry labels on the first sub-token of each word only, so this is the word-level
    F1 that `make eval` reports, and the checkpoint chosen is the one that scores best on it.
    """
    import numpy as np

    def compute(p: Any) -> dict[str, float]:
        from seqeval.metrics import f1_score
        from seqeval.scheme import IOB2

        preds = np.argmax(p.predictions, axis=-1)
        gold_seqs, pred_seqs = [], []
        for pr, gl in zip(preds, p.label_ids):
            keep = gl != -100
            gold_seqs.append([id2label[int(x)] for x in gl[keep]])
            pred_seqs.append([id2label[int(x)] for x in pr[keep]])
        return {"f1": float(f1_score(gold_seqs, pred_seqs, mode="strict", scheme=IOB2))}

    return compute


def with_triggers(docs: Sequence[Document]) -> list[Document]:
    """Documents whose spans also hold their triggers, as tagger labels ("EVT_DEMINING")."""
    out = []
    for d in docs:
        spans = sorted(list(d.spans) + [Span(t.start, t.end, trigger_label(t.type)) for t in d.triggers])
        out.append(dataclasses.replace(d, spans=spans))
    return out


@dataclass
class _Fitted:
    trainer: Any
    tokenizer: Any
    output: Any
    windows: int
    tokens: int
    steps_per_epoch: int
    seconds: float
    precision: str


def fit_tagger(cfg: TrainConfig, base: Path, labels: LabelSet, train_docs: list[Document], dev_docs: list[Document],
               run_dir: Path, resume_from: Path | None, log: Any) -> _Fitted:
    """Fine-tune the token classifier with the transformers Trainer (best epoch by word-level dev F1)."""
    import torch
    from datasets import Dataset
    from transformers import (AutoConfig, AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification, Trainer,
                              TrainingArguments, enable_full_determinism)

    torch.set_num_threads(cfg.threads or os.cpu_count() or 1)
    enable_full_determinism(cfg.seed)
    precision = training_precision(cfg.precision)
    log(f"precision: {precision}")
    hf_tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    tok = hf_tok.backend_tokenizer
    tok.no_truncation()
    tok.no_padding()
    special = SpecialTokens.of(tok)

    def windows_of(docs: Sequence[Document], first_subtoken_only: bool) -> Any:
        encs = encode_texts(tok, [d.text for d in docs])
        types = [case_type_ids(d.text, e) for d, e in zip(docs, encs)] if cfg.case_types else None
        ws = make_windows(encs, cfg.max_length, cfg.stride, special, [d.spans for d in docs], labels.label2id,
                          first_subtoken_only=first_subtoken_only, type_ids=types)
        columns = {"input_ids": [w.input_ids for w in ws], "attention_mask": [[1] * len(w.input_ids) for w in ws],
                   "labels": [w.labels for w in ws]}
        if types is not None:
            columns["token_type_ids"] = [w.type_ids for w in ws]
        return Dataset.from_dict(columns)

    train_ds = windows_of(train_docs, False)
    dev_ds = windows_of(dev_docs, True) if dev_docs else None
    n_tokens = sum(len(x) for x in train_ds["input_ids"])
    log(f"windows: train {len(train_ds)} ({len(train_docs)} reports, {n_tokens} tokens), dev {len(dev_ds) if dev_ds is not None else 0}")
    # the lower layers of a pretrained encoder, without the upper ones, still carry most of what tagging needs
    overrides: dict[str, Any] = {}
    if cfg.encoder_layers:
        have = AutoConfig.from_pretrained(str(base), local_files_only=True).num_hidden_layers
        if cfg.encoder_layers > have:  # more would add layers of random weights
            raise ConfigError(f"encoder_layers {cfg.encoder_layers}: the base model {base} has {have}")
        overrides = {"num_hidden_layers": cfg.encoder_layers}
    if cfg.attention_dropout is not None:
        overrides["attention_probs_dropout_prob"] = cfg.attention_dropout
    model = AutoModelForTokenClassification.from_pretrained(
        str(base), num_labels=len(labels.bio_tags), id2label=labels.id2label, label2id=labels.label2id, local_files_only=True, **overrides)
    if cfg.case_types:
        with_case_types(model)
    steps_per_epoch = math.ceil(len(train_ds) / cfg.batch_size)
    total = cfg.max_steps if cfg.max_steps > 0 else math.ceil(steps_per_epoch * cfg.epochs)
    use_eval = dev_ds is not None and cfg.max_steps <= 0
    args = TrainingArguments(
        output_dir=str(run_dir), per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=32,
        learning_rate=cfg.learning_rate, num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        warmup_steps=int(total * cfg.warmup_ratio), weight_decay=cfg.weight_decay, seed=cfg.seed, data_seed=cfg.seed,
        eval_strategy="epoch" if use_eval else "no", save_strategy="epoch" if use_eval else "steps",
        save_steps=max(1, steps_per_epoch), save_total_limit=2, load_best_model_at_end=use_eval,
        metric_for_best_model="f1" if use_eval else None, greater_is_better=True, logging_steps=max(1, steps_per_epoch // 2),
        train_sampling_strategy="group_by_length", report_to="none", use_cpu=True, bf16=precision == "bf16", dataloader_num_workers=0, disable_tqdm=False, save_only_model=False,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds if use_eval else None,
                      data_collator=DataCollatorForTokenClassification(hf_tok, label_pad_token_id=-100),
                      compute_metrics=word_f1_metric(labels.id2label) if use_eval else None)
    t0 = time.time()
    out = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    return _Fitted(trainer, hf_tok, out, len(train_ds), n_tokens, steps_per_epoch, time.time() - t0, precision)


def with_case_types(model: Any) -> None:
    """Give the encoder one token type per word case (alignment.CASE_TYPES), each starting as the
    pretrained model's single segment embedding, so that training starts from the base model's own
    function and learns what case adds."""
    import torch

    emb = model.base_model.embeddings.token_type_embeddings
    new = torch.nn.Embedding(CASE_TYPES, emb.embedding_dim)
    with torch.no_grad():
        new.weight.copy_(emb.weight[0].expand(CASE_TYPES, -1))
    model.base_model.embeddings.token_type_embeddings = new
    model.config.type_vocab_size = CASE_TYPES


def training_precision(precision: str) -> str:
    """'bf16' or 'fp32': what ``precision`` ('auto', 'bf16', 'fp32') means on this CPU.

    Emulated bf16 (a CPU without AVX512-BF16 or AMX) is slower than fp32, so 'auto' takes bf16 only where oneDNN runs it natively.
    """
    if precision != "auto":
        return precision
    import torch

    return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"


def write_model(staging: ModelDir, fitted: _Fitted, cfg: TrainConfig, root: Path, labels: LabelSet, version: str) -> dict[str, Any]:
    """Weights, tokenizer, label map, configs and a first metadata file into the staging directory."""
    shutil.rmtree(staging.path, ignore_errors=True)
    staging.path.mkdir(parents=True)
    fitted.trainer.model.config.id2label = labels.id2label
    fitted.trainer.model.config.label2id = labels.label2id
    fitted.trainer.save_model(str(staging.path))
    fitted.tokenizer.model_max_length = cfg.max_length
    fitted.tokenizer.save_pretrained(str(staging.path))
    staging.copy_configs({name: root / cfg.labels if name == "labels.yaml" else resolve_config(root, name) for name in CONFIG_FILES})
    (staging.path / "train_config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
    meta: dict[str, Any] = {"model_version": version, "labels": labels.names, "max_length": cfg.max_length,
                            "stride": cfg.stride, "default_backend": "torch-fp32", "backends": {}}
    if cfg.case_types:
        meta["case_types"] = CASE_SCHEME
    staging.write_meta(meta)
    return meta


def train(cfg: TrainConfig, *, root: Path = Path("."), log: Any = print,
          before_publish: Callable[[ModelDir, list[Document], list[Document]], None] | None = None) -> TrainResult:
    """Fine-tune, export, compare backends on dev, and publish to ``cfg.output_dir``.

    ``before_publish(model_dir, train_docs, dev_docs)`` adds to the finished model directory before
    it is published (the event layer is trained there, on the tagger's own representations).

    Example:
        >>> cfg = TrainConfig.from_yaml("configs/train.yaml", {"max_steps": 5})  # doctest: +SKIP
        >>> train(cfg).published  # doctest: +SKIP
        PosixPath('models/default')
    """
    started = time.time()
    entity_labels = LabelSet.from_yaml(root / cfg.labels)
    base = cfg.resolve_base_model()
    data = load_data(cfg, root, entity_labels, log)
    labels, tag_train, tag_dev = entity_labels, list(data.train), list(data.dev)
    if cfg.events:
        labels = tagger_labels(entity_labels, read_event_types(resolve_config(root, "ontology.yaml")))
        tag_train, tag_dev = with_triggers(data.train), with_triggers(data.dev)
    data.augmented = augment(tag_train, cfg.augment_copies, cfg.seed) if cfg.augment_copies else []
    run_hash = _hash(cfg, data.files)
    run_dir, resume_from = run_directory(cfg, root, run_hash, log)
    fitted = fit_tagger(cfg, base, labels, tag_train + data.augmented, tag_dev, run_dir, resume_from, log)

    version = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + f"-{run_hash[:6]}"
    versions_dir = (root / cfg.output_dir).parent / "versions"
    staging = ModelDir(versions_dir / f".{version}.partial")
    meta = write_model(staging, fitted, cfg, root, labels, version)
    if cfg.export_onnx:
        export_onnx(staging.path, cfg.max_length)
    compare_backends(staging.path, meta, tag_dev, tag_dev + tag_train[:cfg.selection_reports])
    staging.write_meta(meta)
    if before_publish is not None:
        before_publish(staging, data.train, data.dev)
        meta = staging.meta()  # the hook may add to the metadata
    seconds = time.time() - started
    out = fitted.output
    meta["training"] = {
        "model_version": version, "base_model": str(cfg.base_model), "run_hash": run_hash, "resumed": resume_from is not None,
        "train_reports": len(data.train), "augmented_reports": len(data.augmented), "dev_reports": len(data.dev),
        "train_windows": fitted.windows, "train_tokens_per_epoch": fitted.tokens, "steps": out.global_step,
        "train_loss": round(float(out.training_loss), 4), "train_seconds": round(fitted.seconds, 1), "precision": fitted.precision, "total_seconds": round(seconds, 1),
        "tokens_per_second": round(fitted.tokens * (out.global_step / max(1, fitted.steps_per_epoch)) / max(fitted.seconds, 1e-9), 1),
        "import": {k: r.summary() for k, r in data.reports.items()},
        "versions": _versions(), "created": dt.datetime.now(dt.timezone.utc).isoformat(), "command": " ".join(sys.argv),
    }
    staging.write_meta(meta)
    (staging.path / "README.md").write_text(model_card(meta, cfg, labels))
    final = ModelDir(versions_dir / version)
    os.replace(staging.path, final.path)
    link = root / cfg.output_dir
    final.publish(link)
    log(f"published {final.path} as {link} (default backend {meta['default_backend']}; {seconds:.0f} s)")
    return TrainResult(final.path, link, seconds, meta)


def resolve_config(root: Path, name: str) -> Path:
    """The repository's configs/<name> when there is one (what the user edits), else the packaged default."""
    from ..config import resource_path

    local = root / "configs" / name
    return local if local.is_file() else resource_path(name)
