"""Settings of a batch run: ``defaults.yaml`` beside this module, overridden by ``--config FILE``.

The YAML is the single place where the defaults live; this module only reads and checks them.

Example:
    >>> cfg = BatchConfig.load()
    >>> cfg.part_reports > 0
    True
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

DEFAULTS = Path(__file__).with_name("defaults.yaml")
FORMATS = ("auto", "parquet", "jsonl")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of sections (input, output, engine)")
    return data


def _flatten(data: dict[str, Any], path: Path) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: section {section!r} must be a mapping")
        flat.update(values)
    return flat


@dataclass(frozen=True)
class BatchConfig:
    """Every setting of ``defaults.yaml``, flattened (section names only group them in the file)."""

    id_field: str
    text_field: str
    date_field: str
    text_glob: str
    max_chars: int
    format: str
    part_reports: int
    local_chunk: int
    ray_batch_reports: int
    ship_model: bool

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> "BatchConfig":
        """Defaults, then the keys of ``path`` (any subset), then non-None ``overrides``.

        Example:
            >>> BatchConfig.load(max_chars=10).max_chars
            10
        """
        values = _flatten(_read(DEFAULTS), DEFAULTS)
        if path is not None:
            values.update(_flatten(_read(Path(path)), Path(path)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"unknown batch setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
        cfg = cls(**values)
        cfg._check()
        return cfg

    def _check(self) -> None:
        problems = [f"{name} must be a positive integer, got {getattr(self, name)!r}"
                    for name in ("max_chars", "part_reports", "local_chunk", "ray_batch_reports")
                    if not isinstance(getattr(self, name), int) or getattr(self, name) < 1]
        if self.format not in FORMATS:
            problems.append(f"format {self.format!r} is not one of {', '.join(FORMATS)}")
        if problems:
            raise ConfigError("batch settings: " + "; ".join(problems))
