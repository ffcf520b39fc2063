"""The entity label set (configs/labels.yaml) and the annotation scheme around it.

The entity labels become BIO tags and the ``label`` control of the Label Studio labeling config.
The config also carries one trigger label per event type (configs/ontology.yaml, read here with
config.read_yaml), the relations between regions and the per-region fields; :data:`RELATIONS`
says which region a relation of each label goes from and to. Nothing else in the package names
a label."""

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
TRIGGER_NAME = "trigger"  # the Labels control of event triggers (one label per ontology type)
#: Per-region fields: the event date on a trigger; the number and its qualifier on a quantity.
DATE_FIELD, VALUE_FIELD, APPROX_FIELD = "event_date", "value", "approx"
#: Relation label -> (from region, to region): an entity label, or TRIGGER for any trigger region.
TRIGGER = "<trigger>"
RELATIONS: dict[str, tuple[str, str]] = {
    "actor": (TRIGGER, "ACTOR"),
    "place": (TRIGGER, "PLACE"),
    "quantity": (TRIGGER, "QUANTITY"),
    "admin": ("PLACE", "PLACE"),        # place -> its administrative parent
    "unit": ("QUANTITY", "UNIT"),
    "upper": ("QUANTITY", "QUANTITY"),  # lower end of a range -> upper end
    "same_as": (TRIGGER, TRIGGER),      # a restating mention -> the event's trigger
}
TRIGGER_COLOR = "#fdd835"


def region_result(rid: str, control: str, text: str, start: int, end: int, label: str,
                  origin: str | None = None) -> dict[str, Any]:
    """A labels region as Label Studio's results write it (``control``: FROM_NAME or TRIGGER_NAME)."""
    out: dict[str, Any] = {"id": rid, "from_name": control, "to_name": TO_NAME, "type": "labels"}
    if origin is not None:
        out["origin"] = origin
    out["value"] = {"start": start, "end": end, "text": text[start:end], "labels": [label]}
    return out


def field_result(rid: str, span: tuple[int, int], name: str, val: Any, origin: str | None = None) -> dict[str, Any]:
    """A per-region field of region ``rid`` as a result: a number for VALUE_FIELD, else a one-line text."""
    value: dict[str, Any] = {"start": span[0], "end": span[1]}
    value.update({"number": val} if name == VALUE_FIELD else {"text": [val]})
    out: dict[str, Any] = {"id": rid, "from_name": name, "to_name": TO_NAME, "type": "number" if name == VALUE_FIELD else "textarea"}
    if origin is not None:
        out["origin"] = origin
    out["value"] = value
    return out


def relation_result(from_id: str, to_id: str, label: str) -> dict[str, Any]:
    """A directed relation between two regions as a result."""
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}


def read_event_types(path: str | Path) -> dict[str, str]:
    """Event type -> description, in the order of the ontology file's ``types``."""
    data = read_yaml(path) or {}
    types = data.get("types") if isinstance(data, dict) else None
    if not isinstance(types, dict) or not types:
        raise ConfigError(f"{path}: expected a non-empty 'types' mapping")
    return {str(k): str((v or {}).get("description", "")) if isinstance(v, dict) else "" for k, v in types.items()}


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

    def label_studio_config(self, event_types: dict[str, str] | None = None) -> str:
        """The Label Studio labeling config (XML) of ``$text``.

        Entity labels always; with ``event_types`` (type -> description, :func:`read_event_types`)
        also the trigger labels, the relations of :data:`RELATIONS` and the per-region fields.
        """
        rows = "\n".join(
            f"    <Label value={quoteattr(lab.name)} background={quoteattr(lab.color)} hint={quoteattr(lab.description)}/>"
            for lab in self.labels
        )
        parts = ["<View>\n", f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{rows}\n  </Labels>\n']
        if event_types is not None:
            trig = "\n".join(
                f"    <Label value={quoteattr(name)} background={quoteattr(TRIGGER_COLOR)} hint={quoteattr(desc)}/>"
                for name, desc in event_types.items()
            )
            rels = "\n".join(f"    <Relation value={quoteattr(r)}/>" for r in RELATIONS)
            parts += [f'  <Labels name="{TRIGGER_NAME}" toName="{TO_NAME}">\n{trig}\n  </Labels>\n',
                      f"  <Relations>\n{rels}\n  </Relations>\n"]
        parts.append(f'  <Text name="{TO_NAME}" value="$text"/>\n')
        if event_types is not None:
            parts.append(
                f'  <TextArea name="{DATE_FIELD}" toName="{TO_NAME}" perRegion="true" whenTagName="{TRIGGER_NAME}" '
                'maxSubmissions="1" editable="true" placeholder="event date YYYY-MM-DD (empty: none)"/>\n'
                f'  <Number name="{VALUE_FIELD}" toName="{TO_NAME}" perRegion="true" whenTagName="{FROM_NAME}" '
                'whenLabelValue="QUANTITY" step="any"/>\n'
                f'  <TextArea name="{APPROX_FIELD}" toName="{TO_NAME}" perRegion="true" whenTagName="{FROM_NAME}" '
                'whenLabelValue="QUANTITY" maxSubmissions="1" editable="true" placeholder="qualifier as written, or range"/>\n')
        parts.append("</View>\n")
        return "".join(parts)


#: Tagger labels of event triggers: "EVT_" + the upper-cased ontology type ("EVT_AID_DELIVERY").
TRIGGER_PREFIX = "EVT_"


def trigger_label(event_type: str) -> str:
    """The tagger label of a trigger of ``event_type``.

    >>> trigger_label("aid_delivery"), event_type_of("EVT_AID_DELIVERY"), event_type_of("PLACE")
    ('EVT_AID_DELIVERY', 'aid_delivery', None)
    """
    return TRIGGER_PREFIX + event_type.upper()


def event_type_of(label: str) -> str | None:
    """The event type a tagger label stands for, or None for an entity label."""
    return label[len(TRIGGER_PREFIX):].lower() if label.startswith(TRIGGER_PREFIX) else None


def tagger_labels(entities: LabelSet, event_types: dict[str, str]) -> LabelSet:
    """What the token classifier learns: the entity labels, then one trigger label per event type."""
    return LabelSet(entities.labels + tuple(Label(trigger_label(t), "", d or t, TRIGGER_COLOR) for t, d in event_types.items()))
