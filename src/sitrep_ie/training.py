"""Fine-tune the token classifier (``make train``) and publish it atomically.

Run state (checkpoints) lives in training/runs/<config hash>/: an interrupted run resumes from
its last checkpoint when re-run with the same configuration and data, and starts clean (saying
so) otherwise. The finished model is written to models/versions/<version>/ and then published by
swapping the ``models/default`` link in one rename, so a crash never leaves a half-written model
where users load it.
"""

from __future__ import annotations

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
from typing import Any, Sequence

from .alignment import SpecialTokens, encode_texts, make_windows
from .annotations import Document, ImportReport, Span, read_export
from .config import TrainConfig
from .errors import ConfigError
from .inference import FORMAT_VERSION, META_FILE, Extractor
from .labels import LabelSet

ROOT_CONFIGS = ("ontology.yaml", "normalisation.yaml")


@dataclass
class TrainResult:
    model_dir: Path
    published: Path
    seconds: float
    metadata: dict[str, Any]


def augment(docs: Sequence[Document], copies: int, seed: int) -> list[Document]:
    """Training copies with PLACE and ACTOR mentions swapped for others of the training set.

    Swapping names teaches the tagger that context, not memorised names, marks a place or an
    actor. Dev and test are never augmented.
    """
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {"PLACE": [], "ACTOR": []}
    for d in docs:
        for s in d.spans:
            if s.label in pools:
                pools[s.label].append(d.text[s.start:s.end])
    for k in pools:
        pools[k] = sorted(set(pools[k]))
    out: list[Document] = []
    for c in range(copies):
        for d in docs:
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


def publish(version_dir: Path, link: Path) -> None:
    """Point ``link`` at ``version_dir`` in one atomic rename (a symlink swap)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() and not link.is_symlink():
        aside = link.parent / "versions" / f"{link.name}-replaced-{int(time.time())}"
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(link, aside)
    tmp = link.parent / f".{link.name}.tmp-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(version_dir, link.parent), tmp)
    os.replace(tmp, link)


def export_onnx(model_dir: Path, max_length: int) -> dict[str, Path]:
    """Write onnx/model.onnx (fp32) and onnx/model.int8.onnx (dynamic int8 weights)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForTokenClassification

    # eager attention exports plain MatMul/Softmax nodes that ONNX Runtime fuses; the SDPA path does not fuse
    model = AutoModelForTokenClassification.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()
    out = model_dir / "onnx"
    out.mkdir(exist_ok=True)
    fp32, int8 = out / "model.onnx", out / "model.int8.onnx"
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    types = torch.zeros((2, 16), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "token_type_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    with torch.inference_mode():
        torch.onnx.export(model, (ids, mask, types), str(fp32), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False)
    # per-channel weight scales on the MatMuls only: 99.4% span agreement with fp32 on train+dev,
    # against 98.4% for the per-tensor default that also quantises the embedding Gathers
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
    return {"onnx-fp32": fp32, "onnx-int8": int8}


def compare_backends(model_dir: Path, meta: dict[str, Any], dev_docs: Sequence[Document], selection_docs: Sequence[Document]) -> None:
    """Score every backend and make the fastest one within 0.5 F1 points of torch-fp32 the default.

    The comparison runs on dev plus the training reports: quantisation error is a property of the
    model, not of unseen text, and the larger set makes a 0.5-point margin mean something (on dev
    alone it is four spans). Dev F1 is recorded too.
    """
    from .evaluation import entity_scores

    names = ["torch-fp32"] + [b for b in ("onnx-fp32", "onnx-int8") if (model_dir / "onnx").is_dir()]
    backends: dict[str, dict[str, Any]] = meta.setdefault("backends", {})
    for b in names:
        ex = Extractor(model_dir, backend=b)
        t1 = time.time()
        dev = ex.tag_many([d.text for d in dev_docs]) if dev_docs else []
        seconds = time.time() - t1
        sel = ex.tag_many([d.text for d in selection_docs])
        backends[b] = {"dev_micro_f1": round(entity_scores(dev_docs, dev)["micro"]["f1"], 4) if dev_docs else None,
                       "dev_seconds": round(seconds, 2),
                       "selection_micro_f1": round(entity_scores(selection_docs, sel)["micro"]["f1"], 4)}
    ref = backends["torch-fp32"]["selection_micro_f1"]
    meta["default_backend"] = next((b for b in ("onnx-int8", "onnx-fp32") if b in backends and backends[b]["selection_micro_f1"] >= ref - 0.005),
                                   "torch-fp32")
    meta["backend_selection"] = f"fastest backend within 0.5 entity-F1 points of torch-fp32 on {len(selection_docs)} dev+train reports"


def train(cfg: TrainConfig, *, root: Path = Path("."), log: Any = print) -> TrainResult:
    """Fine-tune, export, compare backends on dev, and publish to ``cfg.output_dir``.

    Example:
        >>> cfg = TrainConfig.from_yaml("configs/train.yaml", {"max_steps": 5})  # doctest: +SKIP
        >>> train(cfg).published  # doctest: +SKIP
        PosixPath('models/default')
    """
    import numpy as np
    import torch
    from datasets import Dataset
    from transformers import (AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification, Trainer,
                              TrainingArguments, enable_full_determinism)

    started = time.time()
    labels = LabelSet.from_yaml(root / cfg.labels)
    base = cfg.resolve_base_model()
    train_files = [str(root / f) for f in cfg.train_files]
    dev_files = [str(root / f) for f in cfg.dev_files]
    for f in train_files + dev_files:
        if not Path(f).is_file():
            raise ConfigError(f"data file {f} does not exist (configs: train_files / dev_files)")
    train_docs, train_report = read_export(train_files, labels, lenient=cfg.lenient)
    dev_docs, dev_report = read_export(dev_files, labels, lenient=cfg.lenient) if dev_files else ([], ImportReport())
    log(f"train data: {train_report.summary()}")
    log(f"dev data:   {dev_report.summary()}")
    if not train_docs:
        raise ConfigError("no usable training documents")
    test_texts = set()
    for f in cfg.test_files:
        p = root / f
        if p.is_file():
            docs, _ = read_export(p, labels, lenient=True)
            test_texts |= {" ".join(d.text.split()) for d in docs}
    leaked = [d.report_id for d in train_docs + dev_docs if " ".join(d.text.split()) in test_texts]
    if leaked:
        raise ConfigError(f"{len(leaked)} training/dev reports also occur in the test split: {leaked[:5]}")
    augmented = augment(train_docs, cfg.augment_copies, cfg.seed) if cfg.augment_copies else []

    threads = cfg.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    enable_full_determinism(cfg.seed)
    hf_tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    tok = hf_tok.backend_tokenizer
    tok.no_truncation()
    tok.no_padding()
    special = SpecialTokens.of(tok)

    def windows_of(docs: Sequence[Document]) -> Any:
        encs = encode_texts(tok, [d.text for d in docs])
        ws = make_windows(encs, cfg.max_length, cfg.stride, special, [d.spans for d in docs], labels.label2id)
        return Dataset.from_dict({"input_ids": [w.input_ids for w in ws], "attention_mask": [[1] * len(w.input_ids) for w in ws],
                                  "labels": [w.labels for w in ws]})

    train_ds = windows_of(list(train_docs) + augmented)
    dev_ds = windows_of(dev_docs) if dev_docs else None
    n_tokens = sum(len(x) for x in train_ds["input_ids"])
    log(f"windows: train {len(train_ds)} ({len(train_docs)} reports + {len(augmented)} augmented, {n_tokens} tokens), "
        f"dev {len(dev_ds) if dev_ds is not None else 0}")

    run_hash = _hash(cfg, train_files + dev_files)
    # runs are grouped by the model they publish, so a scratch run never deletes another model's checkpoints
    runs_root = root / "training" / "runs" / hashlib.sha256(os.path.abspath(root / cfg.output_dir).encode()).hexdigest()[:8]
    run_dir = runs_root / run_hash
    ckpts = sorted(run_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1])) if run_dir.is_dir() else []
    for c in [c for c in ckpts if not (c / "trainer_state.json").is_file()]:
        log(f"removing incomplete checkpoint {c} (killed while saving)")
        shutil.rmtree(c, ignore_errors=True)
        ckpts.remove(c)
    other_runs = [p for p in runs_root.glob("*") if p.is_dir() and p.name != run_hash] if runs_root.is_dir() else []
    for p in other_runs:
        log(f"removing checkpoints of an earlier run with another config or data: {p}")
        shutil.rmtree(p, ignore_errors=True)
    resume = bool(ckpts)
    log(f"resuming from {ckpts[-1]}" if resume else f"starting a clean run in {run_dir}")

    model = AutoModelForTokenClassification.from_pretrained(
        str(base), num_labels=len(labels.bio_tags), id2label=labels.id2label, label2id=labels.label2id, local_files_only=True)
    steps_per_epoch = math.ceil(len(train_ds) / cfg.batch_size)
    total = cfg.max_steps if cfg.max_steps > 0 else math.ceil(steps_per_epoch * cfg.epochs)
    id2label = labels.id2label

    def compute_metrics(p: Any) -> dict[str, float]:
        from seqeval.metrics import f1_score
        from seqeval.scheme import IOB2

        preds = np.argmax(p.predictions, axis=-1)
        gold_seqs, pred_seqs = [], []
        for pr, gl in zip(preds, p.label_ids):
            keep = gl != -100
            gold_seqs.append([id2label[int(x)] for x in gl[keep]])
            pred_seqs.append([id2label[int(x)] for x in pr[keep]])
        return {"f1": float(f1_score(gold_seqs, pred_seqs, mode="strict", scheme=IOB2))}

    use_eval = dev_ds is not None and cfg.max_steps <= 0
    args = TrainingArguments(
        output_dir=str(run_dir), per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=32,
        learning_rate=cfg.learning_rate, num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        warmup_steps=int(total * cfg.warmup_ratio), weight_decay=cfg.weight_decay, seed=cfg.seed, data_seed=cfg.seed,
        eval_strategy="epoch" if use_eval else "no", save_strategy="epoch" if use_eval else "steps",
        save_steps=max(1, steps_per_epoch), save_total_limit=2, load_best_model_at_end=use_eval,
        metric_for_best_model="f1" if use_eval else None, greater_is_better=True, logging_steps=max(1, steps_per_epoch // 2),
        train_sampling_strategy="group_by_length", report_to="none", use_cpu=True, dataloader_num_workers=0, disable_tqdm=False, save_only_model=False,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds if use_eval else None,
                      data_collator=DataCollatorForTokenClassification(hf_tok, label_pad_token_id=-100),
                      compute_metrics=compute_metrics if use_eval else None)
    t0 = time.time()
    out = trainer.train(resume_from_checkpoint=str(ckpts[-1]) if resume else None)
    train_seconds = time.time() - t0

    version = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + f"-{run_hash[:6]}"
    versions_dir = (root / cfg.output_dir).parent / "versions"
    staging = versions_dir / f".{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    trainer.model.config.id2label = labels.id2label
    trainer.model.config.label2id = labels.label2id
    trainer.save_model(str(staging))
    hf_tok.model_max_length = cfg.max_length
    hf_tok.save_pretrained(str(staging))
    for name in ROOT_CONFIGS:
        shutil.copy(root / "configs" / name, staging / name)
    shutil.copy(root / cfg.labels, staging / "labels.yaml")
    (staging / "train_config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")

    meta: dict[str, Any] = {"format": FORMAT_VERSION, "model_version": version, "labels": labels.names, "max_length": cfg.max_length,
                             "stride": cfg.stride, "default_backend": "torch-fp32", "backends": {}}
    (staging / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    if cfg.export_onnx:
        export_onnx(staging, cfg.max_length)
    compare_backends(staging, meta, dev_docs, list(dev_docs) + list(train_docs))
    seconds = time.time() - started
    metadata = {
        "model_version": version, "base_model": str(cfg.base_model), "run_hash": run_hash, "resumed": resume,
        "train_reports": len(train_docs), "augmented_reports": len(augmented), "dev_reports": len(dev_docs),
        "train_windows": len(train_ds), "train_tokens_per_epoch": n_tokens, "steps": out.global_step,
        "train_loss": round(float(out.training_loss), 4), "train_seconds": round(train_seconds, 1),
        "total_seconds": round(seconds, 1), "tokens_per_second": round(n_tokens * (out.global_step / max(1, steps_per_epoch)) / max(train_seconds, 1e-9), 1),
        "import": {"train": train_report.summary(), "dev": dev_report.summary()},
        "versions": _versions(), "created": dt.datetime.now(dt.timezone.utc).isoformat(), "command": " ".join(sys.argv),
    }
    meta["training"] = metadata
    (staging / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    (staging / "README.md").write_text(model_card(meta, cfg, labels))
    final = versions_dir / version
    os.replace(staging, final)
    link = root / cfg.output_dir
    publish(final, link)
    log(f"published {final} as {link} (default backend {meta['default_backend']}; {seconds:.0f} s)")
    return TrainResult(final, link, seconds, meta)


def model_card(meta: dict[str, Any], cfg: TrainConfig, labels: LabelSet) -> str:
    t = meta["training"]
    rows = "\n".join(f"| {b} | {v.get('dev_micro_f1', '-')} | {v.get('selection_micro_f1', '-')} |" for b, v in meta["backends"].items())
    label_rows = "\n".join(f"- **{lab.name}**: {lab.description}" for lab in labels.labels)
    return f"""# sitrep-ie token classifier {meta['model_version']}

Tags field reports with the labels below; `sitrep_ie.Extractor` assembles the tags into event records.

## Labels
{label_rows}

## Training
- base model: {cfg.base_model} (loaded offline from a local directory)
- data: {t['train_reports']} training reports (+{t['augmented_reports']} augmented copies), {t['dev_reports']} dev reports
- {t['steps']} steps, lr {cfg.learning_rate}, batch {cfg.batch_size}, window {cfg.max_length} tokens, stride {cfg.stride}, seed {cfg.seed}
- training time {t['train_seconds']} s on CPU ({t['tokens_per_second']} tokens/s)
- versions: {json.dumps(t['versions'])}

## Backends (entity micro-F1)
| backend | dev | dev+train |
|---|---|---|
{rows}

Default backend: **{meta['default_backend']}** ({meta.get('backend_selection', '')}).

## Limits
Trained on a small English corpus of original reports written for this project (annotations/);
other languages, styles and label definitions need new annotations.
"""
