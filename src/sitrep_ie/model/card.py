"""The model card (README.md) written into every model directory."""

from __future__ import annotations

import json
from typing import Any

from ..config import TrainConfig
from ..data.labels import LabelSet


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
