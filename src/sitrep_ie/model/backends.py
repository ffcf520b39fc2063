"""Inference backends of a model directory, their ONNX export, and the choice of the default one.

Backends (chosen per model by ``make train``, which records each one's F1 in sitrep_ie.json):
  - ``onnx-int8``: ONNX Runtime, dynamically quantised weights; no torch import at all;
  - ``onnx-fp32``: ONNX Runtime, full precision;
  - ``torch-fp32``: transformers + torch (the reference).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import BackendError, ModelCorruptError

BACKENDS = ("onnx-int8", "onnx-fp32", "torch-fp32")


def check_backend(backend: str) -> str:
    """``backend`` itself when it names a backend (or "auto"); else E202 listing the choices."""
    if backend != "auto" and backend not in BACKENDS:
        raise BackendError(f"backend {backend!r} is not one of auto, {', '.join(BACKENDS)}")
    return backend


def softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x


class OnnxRunner:
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

        self.outputs = [o.name for o in self.session.get_outputs()]

    def __call__(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """(logits, last hidden states or None for a model exported without them); ``types``: token type ids (zeros when None)."""
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids) if types is None else types
        out = self.session.run(None, feed)
        return out[0], (out[1] if len(out) > 1 else None)


class TorchRunner:
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

    def __call__(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        t = self.torch
        with t.inference_mode():
            out = self.model(input_ids=t.from_numpy(ids), attention_mask=t.from_numpy(mask),
                             token_type_ids=None if types is None else t.from_numpy(types), output_hidden_states=True)
        return out.logits.numpy(), out.hidden_states[-1].numpy()


def export_onnx(model_dir: Path, max_length: int) -> dict[str, Path]:
    """Write onnx/model.onnx (fp32) and onnx/model.int8.onnx (dynamic int8 weights).

    Outputs: ``logits`` (the tags) and ``hidden`` (the last hidden states, which the event layer
    reads its span representations from), so one encoder call serves both.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForTokenClassification

    class WithHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> tuple[Any, Any]:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, output_hidden_states=True)
            return out.logits, out.hidden_states[-1]

    # eager attention exports plain MatMul/Softmax nodes that ONNX Runtime fuses; the SDPA path does not fuse
    model = WithHidden(AutoModelForTokenClassification.from_pretrained(str(model_dir), local_files_only=True,
                                                                       attn_implementation="eager").eval())
    out = model_dir / "onnx"
    out.mkdir(exist_ok=True)
    fp32, int8 = out / "model.onnx", out / "model.int8.onnx"
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    types = torch.zeros((2, 16), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "token_type_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}, "hidden": {0: "batch", 1: "seq"}}
    with torch.inference_mode():
        torch.onnx.export(model, (ids, mask, types), str(fp32), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["logits", "hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)
    # per-channel weight scales on the MatMuls only: 99.4% span agreement with fp32 on train+dev,
    # against 98.4% for the per-tensor default that also quantises the embedding Gathers
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
    return {"onnx-fp32": fp32, "onnx-int8": int8}


def compare_backends(model_dir: Path, meta: dict[str, Any], dev_docs: Sequence[Any], selection_docs: Sequence[Any]) -> None:
    """Score every backend and make the fastest one within 0.5 F1 points of torch-fp32 the default.

    The comparison runs on dev plus the training reports: quantisation error is a property of the
    model, not of unseen text, and the larger set makes a 0.5-point margin mean something (on dev
    alone it is four spans). Dev F1 is recorded too.
    """
    from ..evaluation.metrics import entity_scores
    from .tagger import Tagger

    names = ["torch-fp32"] + [b for b in BACKENDS if b != "torch-fp32" and (model_dir / "onnx").is_dir()][::-1]
    backends: dict[str, dict[str, Any]] = meta.setdefault("backends", {})
    for b in names:
        ex = Tagger(model_dir, backend=b)
        t1 = time.time()
        dev = ex.tag_many([d.text for d in dev_docs]) if dev_docs else []
        seconds = time.time() - t1
        sel = ex.tag_many([d.text for d in selection_docs])
        backends[b] = {"dev_micro_f1": round(entity_scores(dev_docs, dev)["micro"]["f1"], 4) if dev_docs else None,
                       "dev_seconds": round(seconds, 2),
                       "selection_micro_f1": round(entity_scores(selection_docs, sel)["micro"]["f1"], 4)}
    ref = backends["torch-fp32"]["selection_micro_f1"]
    meta["default_backend"] = next((b for b in BACKENDS if b != "torch-fp32" and b in backends and backends[b]["selection_micro_f1"] >= ref - 0.005),
                                   "torch-fp32")
    meta["backend_selection"] = f"fastest backend within 0.5 entity-F1 points of torch-fp32 on {len(selection_docs)} dev+train reports"


