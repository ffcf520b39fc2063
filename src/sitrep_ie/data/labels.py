"""The entity label set: read from configs/labels.yaml, turned into BIO tags and the
Label Studio labeling config. Nothing else in the package names a label."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr


from ..config import read_yaml
from ..errors import ConfigError

#: Label Studio control and object tag names used by the generated config and the importer.
FROM_NAME = "label"
TO_NAME = "text"


@dataclass(frozen=True)
class Label:
    name: str
    short: str
    description: str
    color: str = "#999999"


@dataclass(frozen=True)
class LabelSet:
    """An ordered set of entity labels.

    Example:
        >>> ls = LabelSet.from_names(["QUANTITY", "UNIT"])
        >>> ls.bio_tags
        ['O', 'B-QUANTITY', 'I-QUANTITY', 'B-UNIT', 'I-UNIT']
    """

    labels: tuple[Label, ...]

    def __post_init__(self) -> None:
        names = [lab.name for lab in self.labels]
        if not names:
            raise ConfigError("the label set is empty")
        if len(set(names)) != len(names):
            raise ConfigError(f"duplicate label names in {names}")
        for n in names:
            if not n or not n.replace("_", "").isalnum() or n != n.upper():
                raise ConfigError(f"label name {n!r} must be upper-case letters, digits or '_'")

    @classmethod
    def from_names(cls, names: list[str]) -> LabelSet:
        return cls(tuple(Label(n, n[0], n) for n in names))

    @classmethod
    def from_dict(cls, cfg: dict[str, Any], source: str = "<dict>") -> LabelSet:
        try:
            items = cfg["labels"]
            labels = tuple(
                Label(str(d["name"]), str(d.get("short", d["name"][0])), str(d.get("description", "")), str(d.get("color", "#999999")))
                for d in items
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{source}: expected 'labels: [{{name, description}}, ...]' ({exc})") from None
        return cls(labels)

    @classmethod
    def from_yaml(cls, path: str | Path) -> LabelSet:
        return cls.from_dict(read_yaml(path), str(path))

    @property
    def names(self) -> list[str]:
        return [lab.name for lab in self.labels]

    @property
    def bio_tags(self) -> list[str]:
        tags = ["O"]
        for n in self.names:
            tags += [f"B-{n}", f"I-{n}"]
        return tags

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.bio_tags))

    @property
    def label2id(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.bio_tags)}

    @classmethod
    def from_bio_tags(cls, tags: list[str]) -> LabelSet:
        """Rebuild the label set from a model's id2label (B-/I- pairs after 'O')."""
        if not tags or tags[0] != "O":
            raise ConfigError(f"BIO tag list must start with 'O', got {tags[:3]}")
        names = [t[2:] for t in tags[1:] if t.startswith("B-")]
        ls = cls.from_names(names)
        if ls.bio_tags != tags:
            raise ConfigError(f"BIO tags {tags} are not in the B-/I- order this package writes")
        return ls

    def label_studio_config(self) -> str:
        """The Label Studio labeling config (XML) for span labelling of ``$text``."""
        rows = "\n".join(
            f"    <Label value={quoteattr(lab.name)} background={quoteattr(lab.color)} hint={quoteattr(lab.description)}/>"
            for lab in self.labels
        )
        return (
            "<View>\n"
            f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{rows}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="$text"/>\n'
            "</View>\n"
        )
