import xml.etree.ElementTree as ET

import pytest

from sitrep_ie.errors import ConfigError
from sitrep_ie.data.labels import LabelSet


def test_default_labels_are_the_four_of_the_spec(labels):
    assert labels.names == ["QUANTITY", "UNIT", "PLACE", "ACTOR"]
    assert all(lab.description for lab in labels.labels)


def test_bio_tags_and_maps_agree(labels):
    assert labels.bio_tags[0] == "O"
    assert len(labels.bio_tags) == 9
    assert all(labels.label2id[t] == i for i, t in labels.id2label.items())
    assert LabelSet.from_bio_tags(labels.bio_tags).names == labels.names


def test_label_studio_config_is_generated_from_the_labels(labels):
    root = ET.fromstring(labels.label_studio_config())
    values = [el.get("value") for el in root.iter("Label")]
    assert values == labels.names
    assert root.find("Labels").get("toName") == root.find("Text").get("name")


@pytest.mark.parametrize("tags", [["B-X", "I-X"], ["O", "I-X", "B-X"], []])
def test_bad_bio_tag_lists_are_rejected(tags):
    with pytest.raises(ConfigError):
        LabelSet.from_bio_tags(tags)


@pytest.mark.parametrize("names", [[], ["QTY", "QTY"], ["lower"]])
def test_bad_label_sets_are_rejected(names):
    with pytest.raises(ConfigError):
        LabelSet.from_names(names)
