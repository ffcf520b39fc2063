"""The model directory: the one place that knows its files, writes them and reads them back.

A model directory holds the fine-tuned encoder (``config.json`` with the label map, weights,
tokenizer), ONNX backends under ``onnx/``, the configs it was trained with (labels, ontology,
normalisation, lexicon) and ``sitrep_ie.json`` (format version, model version, window settings,
backend scores). Training writes it through :class:`ModelDir`; the tagger and the extractor read
it through :class:`ModelDir`; nothing else names its files.

Example:
    >>> md = ModelDir("models/default")  # doctest: +SKIP
    >>> md.labels().names  # doctest: +SKIP
    ['QUANTITY', 'UNIT', 'PLACE', 'ACTOR']
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from ..data.labels import LabelSet
from ..errors import ConfigError, ModelCorruptError, ModelIncompatibleError, ModelMissingError

META_FILE = "sitrep_ie.json"
FORMAT_VERSION = 1
#: configs copied into every model so that a model is self-contained (file name in the model dir).
CONFIG_FILES = ("labels.yaml", "ontology.yaml", "normalisation.yaml", "lexicon.yaml")
ONNX_FILES = {"onnx-fp32": "onnx/model.onnx", "onnx-int8": "onnx/model.int8.onnx"}
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def read_json_object(p: Path) -> dict[str, Any]:
    """A JSON object from a model file; a missing or damaged file is E102 naming it."""
    if not p.is_file():
        raise ModelCorruptError(f"{p} is missing: the model directory is incomplete; retrain with `make train`")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelCorruptError(f"{p} is unreadable ({exc})") from None
    if not isinstance(data, dict):
        raise ModelCorruptError(f"{p} does not hold a JSON object")
    return data


class ModelDir:
    """A model directory on disk (read side and write side)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # -- read -------------------------------------------------------------------------------
    def resolved(self) -> Path:
        """The directory itself (``models/default`` is a link to a version); E101 when absent."""
        path = self.path.resolve() if self.path.exists() else self.path
        if not path.is_dir():
            raise ModelMissingError(f"no model at {self.path}; run `make train` (or set SITREP_IE_MODEL to a model directory)")
        return path

    def meta(self) -> dict[str, Any]:
        """``sitrep_ie.json``, checked for a format this version reads."""
        path = self.resolved()
        meta = read_json_object(path / META_FILE)
        if meta.get("format") != FORMAT_VERSION:
            raise ModelIncompatibleError(f"{path / META_FILE}: format {meta.get('format')!r}, this sitrep-ie reads format "
                                         f"{FORMAT_VERSION}; retrain with `make train`")
        return meta

    def bio_tags(self) -> list[str]:
        """The label map the classifier was trained with, read from its ``config.json``."""
        path = self.resolved()
        id2label = read_json_object(path / "config.json").get("id2label")
        if not isinstance(id2label, dict) or not id2label:
            raise ModelIncompatibleError(f"{path / 'config.json'} has no id2label map")
        try:
            return [str(id2label[str(i)]) for i in range(len(id2label))]
        except KeyError as exc:
            raise ModelIncompatibleError(f"{path / 'config.json'}: label map {id2label} has no id {exc}") from None

    def labels(self) -> LabelSet:
        """The entity label set, rebuilt from the label map and checked against the metadata."""
        path = self.resolved()
        tags = self.bio_tags()
        try:
            labels = LabelSet.from_bio_tags(tags)
        except ConfigError as exc:
            raise ModelIncompatibleError(f"{path / 'config.json'}: label map {tags} is not a BIO label set ({exc.message})") from None
        meta = self.meta()
        if meta.get("labels") and meta["labels"] != labels.names:
            raise ModelIncompatibleError(f"{path}: {META_FILE} lists labels {meta['labels']} but config.json has {labels.names}")
        return labels

    def file(self, name: str, what: str) -> Path:
        """A file of the model that must exist (E102 naming it and what needs it)."""
        p = self.resolved() / name
        if not p.is_file():
            raise ModelCorruptError(f"{what} needs {p}, which is missing; retrain with `make train`")
        return p

    def onnx_file(self, backend: str) -> Path:
        return self.file(ONNX_FILES[backend], f"backend {backend}")

    def has_weights(self) -> bool:
        return any((self.resolved() / f).is_file() for f in WEIGHT_FILES)

    def config_file(self, name: str) -> Path:
        """A config saved with the model; models older than a config fall back to the package default."""
        p = self.resolved() / name
        if p.is_file():
            return p
        from ..config import resource_path

        return resource_path(name)

    # -- write ------------------------------------------------------------------------------
    def write_meta(self, meta: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / META_FILE).write_text(json.dumps({"format": FORMAT_VERSION, **meta}, indent=2) + "\n")

    def copy_configs(self, sources: dict[str, Path]) -> None:
        """Copy the configs the model was trained with (``{file name: source path}``)."""
        for name, src in sources.items():
            shutil.copy(src, self.path / name)

    def publish(self, link: Path) -> None:
        """Point ``link`` at this directory in one atomic rename (a symlink swap)."""
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists() and not link.is_symlink():
            aside = link.parent / "versions" / f"{link.name}-replaced-{int(time.time())}"
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.replace(link, aside)
        tmp = link.parent / f".{link.name}.tmp-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(self.path, link.parent), tmp)
        os.replace(tmp, link)
